/**
 * Streaming XLSX rows with exceljs's WorkbookReader (SAX over the zip entries;
 * rows are never collected). The sheet read is the one named 学籍 when there is
 * one, otherwise the first sheet in tab order; the other sheets are skipped.
 *
 * Cells come as Excel stores them: text, numbers, and dates (as UTC midnight of
 * the day; Excel has no time zone). Rich text is joined, a formula gives its
 * cached result, an error cell its code (#N/A …).
 *
 * Memory: the shared-strings table is held (it is the file's dictionary of
 * texts); a worksheet that comes before it in the zip is spooled to a temporary
 * file by exceljs, not to memory.
 */
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import type ExcelJS from 'exceljs';
import { FileReadError, type CellValue, type SheetRow } from './tabular';

export const PREFERRED_SHEET_NAME = '学籍';

export interface XlsxReadInfo {
  /** The sheet read, once chosen. */
  sheetName: string | null;
}

interface WorkbookModelSheet {
  id: number;
  name: string;
}

const MS_PER_DAY = 24 * 60 * 60 * 1000;

/** A date cell as the calendar day it shows (rounding away float noise such as 23:59:59.999). */
function dayOf(date: Date): Date {
  return new Date(Math.round(date.getTime() / MS_PER_DAY) * MS_PER_DAY);
}

export function toCellValue(value: ExcelJS.CellValue | undefined): CellValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : dayOf(value);
  if (typeof value !== 'object') return String(value);
  if ('richText' in value) return value.richText.map((part) => part.text).join('');
  if ('formula' in value || 'sharedFormula' in value) return toCellValue((value as { result?: ExcelJS.CellValue }).result);
  if ('error' in value) return String(value.error);
  if ('text' in value) return toCellValue((value as { text: ExcelJS.CellValue }).text);
  return null;
}

function chooseSheet(sheets: readonly WorkbookModelSheet[] | undefined): string | null {
  if (!sheets || sheets.length === 0) return null;
  const preferred = sheets.find((sheet) => sheet.name.trim() === PREFERRED_SHEET_NAME);
  return (preferred ?? sheets[0]!).name;
}

/** Text of a byte stream, decoded across chunk boundaries (a character split between two chunks stays whole). */
async function* utf8Chunks(source: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  for await (const chunk of source) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (text !== '') yield text;
  }
  const rest = decoder.end();
  if (rest !== '') yield rest;
}

type WorkbookReaderClass = new (input: Readable, options: Partial<ExcelJS.stream.xlsx.WorkbookStreamReaderOptions>) => ExcelJS.stream.xlsx.WorkbookReader;
let safeReader: WorkbookReaderClass | null = null;

/**
 * exceljs 4.4.0's streaming reader decodes every zip chunk on its own
 * (utils/parse-sax.js → browser-buffer-decode.js: TextDecoder.decode without
 * `stream`), so a Chinese character split between two inflated chunks turns
 * into U+FFFD — silently, in names and school names. This subclass hands its
 * XML parser text decoded per entry with a StringDecoder instead (strings pass
 * through bufferToString untouched). Loaded on demand: exceljs weighs some
 * 20 MB that a CSV import does not need.
 */
async function utf8SafeWorkbookReader(): Promise<WorkbookReaderClass> {
  if (safeReader) return safeReader;
  const { default: excel } = await import('exceljs');
  type Entry = Readable;
  type Internals = {
    _parseWorkbook(entry: Entry): Promise<void>;
    _parseSharedStrings(entry: Entry): AsyncGenerator<unknown>;
    _parseWorksheet(iterator: AsyncIterable<Buffer | string>, sheetNo: string): Generator<unknown>;
  };
  const Base = excel.stream.xlsx.WorkbookReader as unknown as new (...args: unknown[]) => Internals;
  class Utf8SafeWorkbookReader extends Base {
    override _parseWorkbook(entry: Entry) {
      entry.setEncoding('utf8');
      return super._parseWorkbook(entry);
    }

    override _parseSharedStrings(entry: Entry) {
      entry.setEncoding('utf8');
      return super._parseSharedStrings(entry);
    }

    override _parseWorksheet(iterator: AsyncIterable<Buffer | string>, sheetNo: string) {
      const source = iterator;
      const generator = super._parseWorksheet(utf8Chunks(source), sheetNo);
      // the caller closes the temporary file of a sheet it skips
      (this as unknown as { lastWorksheetSource: unknown }).lastWorksheetSource = source;
      return generator;
    }
  }
  safeReader = Utf8SafeWorkbookReader as unknown as WorkbookReaderClass;
  return safeReader;
}

const NOT_XLSX = '无法读取 Excel 文件：文件已损坏或不是 .xlsx 格式，请用 Excel 打开后另存为 .xlsx 或 CSV';

/** The rows of the chosen sheet. Throws FileReadError when the file is not a readable workbook. */
export async function* readXlsxRows(input: Readable, info: XlsxReadInfo): AsyncGenerator<SheetRow> {
  const reader = new (await utf8SafeWorkbookReader())(input, {
    sharedStrings: 'cache',
    styles: 'cache', // needed to tell date cells from numbers
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  let chosen = false;
  let lastRow = 0;
  try {
    for await (const worksheet of reader) {
      const sheet = worksheet as unknown as { name?: string; id?: unknown } & AsyncIterable<ExcelJS.Row>;
      const model = (reader as unknown as { model?: { sheets?: WorkbookModelSheet[] } }).model;
      const wanted = chooseSheet(model?.sheets);
      if (chosen || (wanted !== null && sheet.name !== wanted)) {
        // not read: exceljs drains a zip entry itself; a sheet spooled to a temporary file is closed here
        const source = (reader as unknown as { lastWorksheetSource?: unknown }).lastWorksheetSource;
        if (source instanceof fs.ReadStream) source.destroy();
        continue;
      }
      chosen = true;
      info.sheetName = sheet.name ?? null;
      for await (const row of sheet) {
        const rowNumber = Number.isInteger(row.number) && row.number > 0 ? row.number : lastRow + 1;
        lastRow = rowNumber;
        const values = row.values as ExcelJS.CellValue[];
        const cells: CellValue[] = [];
        for (let i = 1; i < values.length; i += 1) cells.push(toCellValue(values[i]));
        yield { rowNumber, cells };
      }
    }
  } catch (err) {
    if (err instanceof FileReadError) throw err;
    throw new FileReadError(`${NOT_XLSX}（${err instanceof Error ? err.message : String(err)}）`, lastRow + 1);
  }
  if (!chosen) throw new FileReadError('Excel 文件中没有工作表', 1);
}
