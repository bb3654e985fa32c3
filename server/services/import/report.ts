/**
 * Problem reports of imports, for people: a plain-text table for the terminal
 * (aligned by display width, a Han character being two columns wide) and CSV
 * that Excel opens correctly (UTF-8 with a byte-order mark, CRLF), with every
 * cell defused so that Excel never runs it as a formula.
 */
import fs from 'node:fs';
import { once } from 'node:events';

/** One problem of a file: spreadsheet row number, header as written ('' for the file as a whole), reason in Chinese. */
export interface ReportEntry {
  row: number;
  column: string;
  message: string;
}

export const FILE_COLUMN_LABEL = '（文件）';
export const CSV_BOM = '\uFEFF';

/** Terminal columns of a character: East Asian wide and full-width forms take two. */
function charWidth(codePoint: number): number {
  if (
    (codePoint >= 0x1100 && codePoint <= 0x115f) ||
    (codePoint >= 0x2e80 && codePoint <= 0xa4cf) ||
    (codePoint >= 0xac00 && codePoint <= 0xd7a3) ||
    (codePoint >= 0xf900 && codePoint <= 0xfaff) ||
    (codePoint >= 0xfe30 && codePoint <= 0xfe4f) ||
    (codePoint >= 0xff00 && codePoint <= 0xff60) ||
    (codePoint >= 0xffe0 && codePoint <= 0xffe6) ||
    (codePoint >= 0x20000 && codePoint <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

export function displayWidth(text: string): number {
  let width = 0;
  for (const c of text) width += charWidth(c.codePointAt(0)!);
  return width;
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

/** A plain-text table: every column but the last padded to its widest cell. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [headers, ...rows];
  const padded = headers.length - 1;
  const widths = Array.from({ length: padded }, (_, i) => Math.max(...lines.map((line) => displayWidth(line[i] ?? ''))));
  const rule = [...widths.map((w) => '-'.repeat(w)), '-'.repeat(24)].join('-+-');
  const format = (line: readonly string[]) =>
    [...widths.map((w, i) => pad(line[i] ?? '', w)), line[padded] ?? ''].join(' | ');
  return [format(headers), rule, ...rows.map(format)].join('\n');
}

/** One CSV cell: quoted when needed; a leading = + - @ is defused so Excel never runs it as a formula. */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One CSV line with its CRLF. */
export function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

export const ERROR_REPORT_HEADERS = ['行号', '列', '问题'] as const;

function entryCells(entry: ReportEntry): [string, string, string] {
  return [String(entry.row), entry.column || FILE_COLUMN_LABEL, entry.message];
}

/** The problems as a table, one per line. */
export function formatErrorTable(errors: readonly ReportEntry[]): string {
  return formatTable(ERROR_REPORT_HEADERS, errors.map(entryCells));
}

/** The problems as CSV: UTF-8 with a byte-order mark and CRLF. */
export function errorReportCsv(errors: readonly ReportEntry[]): string {
  return CSV_BOM + [ERROR_REPORT_HEADERS, ...errors.map(entryCells)].map(csvLine).join('');
}

/**
 * A CSV report written line by line as problems are found, so a report of a
 * large file never sits in memory; `write` waits when the disk is slower.
 */
export class CsvReportWriter {
  private readonly out: fs.WriteStream;
  private failure: Error | null = null;

  constructor(readonly path: string, headers: readonly string[]) {
    this.out = fs.createWriteStream(path, { encoding: 'utf8' });
    this.out.on('error', (err) => (this.failure = err));
    this.out.write(CSV_BOM + csvLine(headers));
  }

  async write(cells: readonly string[]): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.out.write(csvLine(cells))) await once(this.out, 'drain');
  }

  async close(): Promise<void> {
    if (this.failure) throw this.failure;
    await new Promise<void>((resolve, reject) => {
      this.out.end((err?: Error | null) => (err ? reject(err) : resolve()));
    });
  }
}
