/**
 * `npm run pii:scan [-- --database-url URL] [--logs DIR|FILE ...] [--out DIR]`
 *
 * The last step of `npm test` (issue 8 §4): no resident ID number or phone
 * number rests in plaintext. It
 *
 * 1. dumps the test database with pg_dump (schema and data, every table);
 * 2. learns every resident ID and phone the tests stored, by decrypting every
 *    `*_cipher` value of every table (server/services/pii-rotation) with the
 *    configured keys, and every string inside the encrypted JSON documents;
 * 3. looks for each of them, in plaintext, in the dump and in the captured
 *    logs (the test run writes them to test-results/logs via LOG_FILE);
 * 4. also flags anything that merely looks like one: any 18-character resident
 *    ID with a valid check character in the dump or the logs, and any mainland
 *    mobile number in the logs (the logger masks both, so a hit is a leak).
 *
 * Prints the figures, and every hit with its place (table or log file and
 * line) and the value masked; exit 1 when anything was found.
 *
 * `findPlaintextInDump` is the same dump searched for given values (the
 * account cancellation's test: nothing of an erased family is left).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { piiCipherFromConfig } from '../server/crypto/keys';
import { openDatabase, rowsOf } from '../server/db/client';
import { listCipherColumns } from '../server/services/pii-rotation/cipher-columns';
import { residentIdCheckChar } from '../domain/identity/resident-id';
import { sql } from 'drizzle-orm';

const ID_TOKEN = /(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])/g;
// Letters around it make it part of an identifier (a UUID's hex), not a phone; stored phones are found anywhere below.
const PHONE_TOKEN = /(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])/g;
const DIGIT_RUN = /\d{11,18}[Xx]?/g;

function mask(value: string): string {
  return value.length >= 18 ? `${value.slice(0, 6)}********${value.slice(14)}` : `${value.slice(0, 3)}****${value.slice(7)}`;
}

function looksLikeResidentId(token: string): boolean {
  return /^\d{17}[\dXx]$/.test(token) && residentIdCheckChar(token.slice(0, 17)) === token[17]!.toUpperCase();
}

/** Strings inside a decrypted value (plain text, or the JSON documents of profile snapshots and drafts). */
function stringsOf(plain: string): string[] {
  try {
    const parsed = JSON.parse(plain) as unknown;
    const out: string[] = [];
    const walk = (v: unknown) => {
      if (typeof v === 'string') out.push(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(parsed);
    return out.length > 0 ? out : [plain];
  } catch {
    return [plain];
  }
}

function logFiles(inputs: string[]): string[] {
  const out: string[] = [];
  for (const input of inputs) {
    if (!fs.existsSync(input)) continue;
    if (fs.statSync(input).isDirectory()) out.push(...fs.readdirSync(input).filter((f) => f.endsWith('.log')).map((f) => path.join(input, f)));
    else out.push(input);
  }
  return out;
}

interface Hit {
  where: string;
  kind: 'stored resident ID' | 'stored phone' | 'resident ID pattern' | 'phone pattern';
  value: string;
}

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

async function main(argv: string[]): Promise<number> {
  const root = path.resolve(__dirname, '..');
  const { values } = parseArgs({
    args: argv,
    options: {
      'database-url': { type: 'string' },
      logs: { type: 'string', multiple: true },
      out: { type: 'string' },
    },
  });
  const databaseUrl = values['database-url'] ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/educard_test';
  const outDir = path.resolve(values.out ?? path.join(root, 'test-results', 'pii-scan'));
  const logs = logFiles(values.logs ?? [path.join(root, 'test-results', 'logs')]);
  fs.mkdirSync(outDir, { recursive: true });

  // 1. The dump.
  const dumpFile = path.join(outDir, 'database.sql');
  try {
    dumpDatabase(databaseUrl, dumpFile);
  } catch (err) {
    console.error((err as Error).message);
    return 1;
  }

  // 2. What the tests stored, decrypted.
  const config = loadConfig({ ...process.env, NODE_ENV: 'test', DATABASE_URL: databaseUrl });
  const pii = piiCipherFromConfig(config);
  const database = await openDatabase({ databaseUrl, pgliteDataDir: '', poolMax: 1, applicationName: 'educard-pii-scan' });
  const storedIds = new Set<string>();
  const storedPhones = new Set<string>();
  let ciphertexts = 0;
  let undecryptable = 0;
  try {
    for (const col of await listCipherColumns(database.db)) {
      const rows = await database.db.execute(sql.raw(`select "${col.column}" as v from "${col.table}" where "${col.column}" is not null`));
      for (const row of rowsOf<{ v: unknown }>(rows)) {
        ciphertexts += 1;
        let plain: string;
        try {
          plain = pii.decrypt(String(row.v), col.context);
        } catch {
          undecryptable += 1;
          continue;
        }
        for (const s of stringsOf(plain)) {
          for (const m of s.matchAll(ID_TOKEN)) storedIds.add(m[0].toUpperCase());
          for (const m of s.matchAll(PHONE_TOKEN)) storedPhones.add(m[0]);
        }
      }
    }
  } finally {
    await database.close();
  }

  // 3 and 4. Scan the dump and the logs, line by line.
  const hits: Hit[] = [];
  let lines = 0;
  const scan = (file: string, label: (lineNo: number, line: string) => string, patternPhones: boolean) => {
    const text = fs.readFileSync(file, 'utf8');
    let lineNo = 0;
    for (const line of text.split('\n')) {
      lineNo += 1;
      lines += 1;
      for (const m of line.matchAll(DIGIT_RUN)) {
        const token = m[0].toUpperCase();
        // Digit runs may hold a value inside them (e.g. a G-number); check every window of the two lengths.
        for (let i = 0; i + 11 <= token.length; i += 1) {
          const phone = token.slice(i, i + 11);
          if (storedPhones.has(phone)) hits.push({ where: label(lineNo, line), kind: 'stored phone', value: phone });
        }
        for (let i = 0; i + 18 <= token.length; i += 1) {
          const id = token.slice(i, i + 18);
          if (storedIds.has(id)) hits.push({ where: label(lineNo, line), kind: 'stored resident ID', value: id });
        }
      }
      for (const m of line.matchAll(ID_TOKEN)) {
        const id = m[0].toUpperCase();
        if (!storedIds.has(id) && looksLikeResidentId(id)) hits.push({ where: label(lineNo, line), kind: 'resident ID pattern', value: id });
      }
      if (patternPhones) {
        for (const m of line.matchAll(PHONE_TOKEN)) {
          if (!storedPhones.has(m[0])) hits.push({ where: label(lineNo, line), kind: 'phone pattern', value: m[0] });
        }
      }
    }
  };
  let table = '(schema)';
  scan(
    dumpFile,
    (lineNo, line) => {
      const copy = /^COPY public\.("?[\w]+"?)/.exec(line);
      if (copy) table = copy[1]!;
      return `dump table ${table} (line ${lineNo})`;
    },
    false,
  );
  let logLines = 0;
  for (const file of logs) {
    const before = lines;
    scan(file, (lineNo) => `log ${path.relative(root, file)}:${lineNo}`, true);
    logLines += lines - before;
  }

  const dumpBytes = fs.statSync(dumpFile).size;
  const figures = {
    suite: 'pii at rest and in logs',
    dumpBytes,
    ciphertexts,
    undecryptable,
    residentIds: storedIds.size,
    phones: storedPhones.size,
    logFiles: logs.length,
    logLines,
    hits: hits.length,
    at: new Date().toISOString(),
  };
  const figuresDir = path.resolve(process.env.TEST_FIGURES_DIR ?? path.join(root, 'test-results', 'figures'));
  fs.mkdirSync(figuresDir, { recursive: true });
  fs.writeFileSync(path.join(figuresDir, 'pii-at-rest-and-in-logs.json'), `${JSON.stringify(figures)}\n`);
  console.log(
    `PII scan: ${storedIds.size} resident IDs and ${storedPhones.size} phones the tests stored (${ciphertexts} ciphertexts, ${undecryptable} under other keys), ` +
      `looked for in a ${(dumpBytes / 1024 / 1024).toFixed(1)} MB dump of the test database and ${logLines} log lines in ${logs.length} file(s): ${hits.length} found in plaintext.`,
  );
  if (logs.length === 0) console.log('  (no captured logs: run through `npm test`, which sets LOG_FILE)');
  for (const hit of hits.slice(0, 50)) console.log(`  ✗ ${hit.kind} ${mask(hit.value)} in ${hit.where}`);
  return hits.length > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
