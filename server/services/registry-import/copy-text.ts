/**
 * PostgreSQL COPY text format (the default of `COPY … FROM STDIN`): one line
 * per row, columns separated by a tab, `\N` for null, and backslash, tab,
 * newline and carriage return escaped with a backslash.
 */

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One value as a COPY text field. */
export function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : value;
}

/** One row as a COPY text line, newline included. */
export function copyLine(values: readonly (string | null)[]): string {
  let line = copyField(values[0] ?? null);
  for (let i = 1; i < values.length; i += 1) line += `\t${copyField(values[i] ?? null)}`;
  return `${line}\n`;
}
