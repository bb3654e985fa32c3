/**
 * The header row of an import file: which column is which, by its Chinese
 * header or one of its aliases. Headers are compared after full-width →
 * half-width, without spaces and zero-width characters, without the asterisks
 * templates put on required columns and without a trailing "(必填)" / "(选填)".
 */
import { removeZeroWidth, toHalfWidth } from '../../../domain/text/normalize';

export interface ImportColumn<K extends string> {
  key: K;
  /** The header of the template. */
  header: string;
  /** Other headers accepted for the same column. */
  aliases: readonly string[];
  required: boolean;
}

export interface HeaderProblem {
  /** The header as written ('' when none). */
  column: string;
  message: string;
}

export interface MappedHeader<K extends string> {
  /** Where each recognised column is, and its header as written in the file. */
  columns: Map<K, { index: number; header: string }>;
  /** Headers not recognised (ignored), as written. */
  ignored: string[];
  /** A column given twice, a required column missing. */
  problems: HeaderProblem[];
}

export function normalizeHeader(header: string): string {
  return removeZeroWidth(toHalfWidth(header))
    .replace(/\s+/g, '')
    .replace(/^\*+|\*+$/g, '')
    .replace(/\((必填|选填|可选|非必填)\)$/, '')
    .replace(/^\*+|\*+$/g, '');
}

const lookups = new WeakMap<readonly ImportColumn<string>[], ReadonlyMap<string, ImportColumn<string>>>();

function lookupOf<K extends string>(columns: readonly ImportColumn<K>[]): ReadonlyMap<string, ImportColumn<K>> {
  let lookup = lookups.get(columns);
  if (!lookup) {
    lookup = new Map(columns.flatMap((column) => [column.header, ...column.aliases].map((h) => [normalizeHeader(h), column] as const)));
    lookups.set(columns, lookup);
  }
  return lookup as ReadonlyMap<string, ImportColumn<K>>;
}

/** Maps a header row onto the columns of a file kind; problems are in the operator's words. */
export function mapHeader<K extends string>(cells: readonly string[], definition: readonly ImportColumn<K>[]): MappedHeader<K> {
  const lookup = lookupOf(definition);
  const columns = new Map<K, { index: number; header: string }>();
  const ignored: string[] = [];
  const problems: HeaderProblem[] = [];
  cells.forEach((raw, index) => {
    const written = removeZeroWidth(raw).trim();
    if (written === '') return;
    const column = lookup.get(normalizeHeader(written));
    if (!column) {
      ignored.push(written);
      return;
    }
    const taken = columns.get(column.key);
    if (taken) problems.push({ column: written, message: `与"${taken.header}"列重复，请只保留一列` });
    else columns.set(column.key, { index, header: written });
  });
  for (const column of definition) {
    if (!column.required || columns.has(column.key)) continue;
    const also = column.aliases.length > 0 ? `（也可写作：${column.aliases.join('、')}）` : '';
    problems.push({ column: column.header, message: `缺少"${column.header}"列${also}` });
  }
  return { columns, ignored, problems };
}
