/**
 * A pg_dump of a database, and a search of it for given values: what the PII
 * scan (tools/pii-scan.ts) reads, and what the account cancellation's tests use
 * to prove nothing of an erased family is left in the live tables.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** pg_dump of the database (schema and data) into `file`; throws when pg_dump fails. */
export function dumpDatabase(databaseUrl: string, file: string): void {
  const pgDump = fs.existsSync('/usr/lib/postgresql/15/bin/pg_dump') ? '/usr/lib/postgresql/15/bin/pg_dump' : 'pg_dump';
  const dump = spawnSync(pgDump, ['--no-owner', '--no-privileges', '--file', file, databaseUrl], { encoding: 'utf8' });
  if (dump.status !== 0) throw new Error(`pg_dump failed: ${dump.stderr || dump.error?.message}`);
}

/**
 * Dump the database and look for each of `values` (as text, case-insensitive)
 * in it: every line that holds one, with its table. Values shorter than two
 * characters are refused (they would match anything).
 */
export function findPlaintextInDump(databaseUrl: string, values: readonly string[], file: string): { value: string; table: string; line: number }[] {
  for (const v of values) if ([...v].length < 2) throw new Error(`value too short to look for: ${JSON.stringify(v)}`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  dumpDatabase(databaseUrl, file);
  const needles = values.map((v) => ({ value: v, lower: v.toLowerCase() }));
  const hits: { value: string; table: string; line: number }[] = [];
  let table = '(schema)';
  let lineNo = 0;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    lineNo += 1;
    const copy = /^COPY public\.("?[\w]+"?)/.exec(line);
    if (copy) table = copy[1]!;
    const lower = line.toLowerCase();
    for (const n of needles) if (lower.includes(n.lower)) hits.push({ value: n.value, table, line: lineNo });
  }
  return hits;
}
