/**
 * Streaming CSV rows: bytes → text (UTF-8 or GB18030, see text-decoding.ts) →
 * csv-parse → one SheetRow at a time. Memory stays bounded whatever the file's
 * size: at most the encoding sniff (64 KiB) and the parser's buffers are held.
 *
 * Row numbers are those a spreadsheet shows: every record is one row, blank
 * lines count, a quoted cell with line breaks does not add rows.
 */
import { parse as parseCsv, CsvError } from 'csv-parse';
import { Readable } from 'node:stream';
import { EncodingError, type FileEncoding, decodeText } from './text-decoding';
import { FileReadError, type SheetRow } from './tabular';

/** A CSV record (row) longer than this is not CSV. */
const MAX_RECORD_BYTES = 64 * 1024;

export interface CsvReadInfo {
  /** Set as soon as the encoding is decided. */
  encoding: FileEncoding | null;
}

export function csvErrorMessage(err: CsvError): string {
  if (err.code === 'CSV_QUOTE_NOT_CLOSED') return 'CSV 格式错误：引号没有闭合，请检查该行附近的单元格';
  if (err.code === 'CSV_MAX_RECORD_SIZE') return 'CSV 格式错误：一行内容过长，文件可能不是 CSV';
  return `CSV 格式错误（${err.code}），请用 Excel 重新另存为 CSV`;
}

/**
 * The rows of a CSV byte stream. Throws FileReadError (with the row where
 * reading stopped) when the bytes do not decode or the CSV is malformed; any
 * other error of the source is thrown as it is.
 */
export async function* readCsvRows(source: AsyncIterable<Uint8Array | string>, info: CsvReadInfo): AsyncGenerator<SheetRow> {
  const decoded = Readable.from(decodeText(source, (encoding) => (info.encoding = encoding)));
  const parser = parseCsv({ bom: true, relax_column_count: true, relax_quotes: true, max_record_size: MAX_RECORD_BYTES });
  decoded.on('error', (err) => parser.destroy(err));
  decoded.pipe(parser);
  let row = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      row += 1;
      yield { rowNumber: row, cells: record };
    }
  } catch (err) {
    if (err instanceof EncodingError) throw new FileReadError(err.message, row + 1);
    if (err instanceof CsvError) throw new FileReadError(csvErrorMessage(err), row + 1);
    throw err;
  } finally {
    decoded.destroy();
    parser.destroy();
  }
}
