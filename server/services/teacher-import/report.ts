/**
 * How an import is shown to the operator: the problem table for the terminal,
 * the same problems as a CSV file Excel opens (UTF-8 with BOM, CRLF), and the
 * one-line summary.
 */
import type { TeacherImportSummary } from './import-teachers';
import type { TeacherFileError } from './parse-teachers-file';

export const REPORT_HEADERS = ['行号', '列', '问题'] as const;

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

function cells(error: TeacherFileError): [string, string, string] {
  return [String(error.row), error.column || '（文件）', error.message];
}

/** A plain-text table, one problem per line. */
export function formatErrorTable(errors: readonly TeacherFileError[]): string {
  const lines = [REPORT_HEADERS as readonly string[], ...errors.map(cells)];
  const widths = [0, 1].map((i) => Math.max(...lines.map((line) => displayWidth(line[i]!))));
  const rule = `${'-'.repeat(widths[0]!)}-+-${'-'.repeat(widths[1]!)}-+-${'-'.repeat(24)}`;
  const format = (line: readonly string[]) => `${pad(line[0]!, widths[0]!)} | ${pad(line[1]!, widths[1]!)} | ${line[2]}`;
  return [format(lines[0]!), rule, ...lines.slice(1).map(format)].join('\n');
}

/** One CSV cell: quoted when needed; a leading = + - @ is defused so Excel never runs it as a formula. */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The problems as CSV: UTF-8 with a byte-order mark and CRLF, what Excel opens correctly. */
export function errorReportCsv(errors: readonly TeacherFileError[]): string {
  const lines = [REPORT_HEADERS as readonly string[], ...errors.map(cells)].map((line) => line.map(csvCell).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** e.g. "teachers: 3 created, 1 updated, 496 unchanged; schools: 1 created, 0 renamed; classes: 12 created". */
export function formatSummary(summary: TeacherImportSummary): string {
  return [
    `teachers: ${summary.teachersCreated} created, ${summary.teachersUpdated} updated, ${summary.teachersUnchanged} unchanged`,
    `schools: ${summary.schoolsCreated} created, ${summary.schoolsRenamed} renamed`,
    `classes: ${summary.classesCreated} created`,
  ].join('; ');
}
