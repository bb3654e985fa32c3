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
import type { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
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

const NOT_XLSX = '无法读取 Excel 文件：文件已损坏或不是 .xlsx 格式，请用 Excel 打开后另存为 .xlsx 或 CSV';

/** The rows of the chosen sheet. Throws FileReadError when the file is not a readable workbook. */
export async function* readXlsxRows(input: Readable, info: XlsxReadInfo): AsyncGenerator<SheetRow> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
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
      const sheet = worksheet as unknown as { name?: string; iterator?: unknown } & AsyncIterable<ExcelJS.Row>;
      const model = (reader as unknown as { model?: { sheets?: WorkbookModelSheet[] } }).model;
      const wanted = chooseSheet(model?.sheets);
      if (chosen || (wanted !== null && sheet.name !== wanted)) {
        // not read: exceljs drains the zip entry; a sheet spooled to a temporary file is closed here
        if (sheet.iterator instanceof fs.ReadStream) sheet.iterator.destroy();
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
