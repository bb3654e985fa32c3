/**
 * The command line end to end: a real process against the test database, as an
 * operator runs it (`npm run registry:import -- <file>` runs the same file with
 * tsx), including a 100,000-row file whose peak memory is measured in the child.
 */
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTool, type ToolRun } from './test-support/run-tool';
import { Client } from 'pg';
import { makeResidentId } from '../domain/identity/resident-id.fixtures';
import {
  REGISTRY_HEADERS,
  randomChildResidentId,
  randomRegistryRow,
  randomSchool,
  registryCsv,
  type RegistryFileRow,
} from '../server/services/registry-import/registry-file.fixtures';

const CLI_TIMEOUT_MS = 25_000;
const BIG_ROWS = 100_000;
const BIG_TIMEOUT_MS = 240_000; // ~15 s on an idle 2-core box; generous for a loaded CI machine

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-import-cli-'));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function runCli(args: string[], timeoutMs = CLI_TIMEOUT_MS): Promise<ToolRun> {
  return runTool('tools/registry-import.ts', args, timeoutMs);
}

async function query<T>(text: string, values: unknown[]): Promise<T[]> {
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Deletes what an import created for these schools (registry rows, classes, schools) and its batch record. */
async function removeImported(schoolCodes: string[], batchId: string | null): Promise<void> {
  await query('delete from registry_records where school_code = any($1)', [schoolCodes]);
  if (batchId) await query('delete from registry_batches where id = $1 and not exists (select 1 from registry_records where batch_id = $1)', [batchId]);
  await query('delete from classes where school_id in (select id from schools where code = any($1))', [schoolCodes]);
  await query('delete from schools where code = any($1)', [schoolCodes]);
}

function csvLine(row: RegistryFileRow): string {
  return registryCsv([row]).split('\r\n')[1]!;
}

/** The bad rows planted in the big file: each kind breaks one rule. */
const BAD_KINDS: Array<(row: RegistryFileRow, earlier: RegistryFileRow) => RegistryFileRow> = [
  (row) => ({ ...row, 学籍号: 'X12345' }),
  (row) => ({ ...row, 姓名: '张3' }),
  (row) => ({ ...row, 身份证号: `${row.身份证号.slice(0, 17)}${row.身份证号[17] === '0' ? '1' : '0'}` }),
  (row) => ({ ...row, 出生日期: '2001-02-03' }),
  (row) => ({ ...row, 性别: row.性别 === '男' ? '女' : '男' }),
  (row) => ({ ...row, 学校标识码: '123' }),
  (row) => ({ ...row, 年级: '十年级' }),
  (row) => ({ ...row, 班级: '甲班' }),
  (row) => ({ ...row, 学籍状态: '' }),
  (row, earlier) => ({ ...row, 学籍号: earlier.学籍号 }),
  (row) => ({ ...row, 出生日期: '2015-13-45' }),
  (row) => ({ ...row, 身份证号: makeResidentId({ birthDate: '1980-01-01' }) }),
];

describe('npm run registry:import', () => {
  test(
    `When a ${BIG_ROWS}-row CSV with planted bad rows is imported, then memory stays bounded and the report lists exactly the bad rows`,
    async () => {
      const schools = Array.from({ length: 20 }, () => randomSchool());
      const file = path.join(dir, 'big.csv');
      const reportPath = path.join(dir, 'big-report.csv');
      const out = fs.openSync(file, 'w');
      const planted = new Set<number>();
      const plantAt = new Set<number>();
      while (plantAt.size < 50) plantAt.add(randomInt(10, BIG_ROWS));
      const sharedIdAt = randomInt(10, BIG_ROWS);
      const sharedId = randomChildResidentId();
      const grades = ['一年级', '三年级', '六年级', '初一', '八年级', '高三', '大班'];
      let buffer = `\uFEFF${REGISTRY_HEADERS.join(',')}\r\n`;
      let first: RegistryFileRow | null = null;
      const usedIds = new Set<string>([sharedId]);
      let kind = 0;
      for (let i = 0; i < BIG_ROWS; i += 1) {
        const rowNumber = i + 2;
        let row = randomRegistryRow(schools[i % schools.length]!, { 年级: grades[i % grades.length]!, 班级: `${(i % 9) + 1}班` });
        // Random IDs collide now and then among 100,000 (≈ 15 % of runs): a collision is a duplicate 学籍号, not a planted row.
        while (usedIds.has(row.身份证号)) row = randomRegistryRow(schools[i % schools.length]!, { 年级: row.年级, 班级: row.班级 });
        usedIds.add(row.身份证号);
        first ??= row;
        if (plantAt.has(i) && !plantAt.has(i - 1) && i !== sharedIdAt && i !== sharedIdAt + 1) {
          row = BAD_KINDS[kind % BAD_KINDS.length]!(row, first);
          kind += 1;
          planted.add(rowNumber);
        } else if (i === sharedIdAt || i === sharedIdAt + 1) {
          row = { ...randomRegistryRow(schools[0]!, { 身份证号: sharedId }), 学籍号: `L${String(randomInt(1e9)).padStart(18, '0')}` };
        }
        buffer += `${csvLine(row)}\r\n`;
        if (buffer.length > 256 * 1024) {
          fs.writeSync(out, buffer);
          buffer = '';
        }
      }
      fs.writeSync(out, buffer);
      fs.closeSync(out);

      const result = await runCli([file, '--report', reportPath, '--by', 'jest'], BIG_TIMEOUT_MS);
      const batchId = /batch:\s+(\S+)/.exec(result.stdout)?.[1] ?? null;
      try {
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        const rate = Number(/\((\d+) rows\/s\)/.exec(result.stdout)?.[1]);
        const peakMb = Number(/peak RSS:\s+(\d+) MB/.exec(result.stdout)?.[1]);
        console.log(`${BIG_ROWS}-row registry CSV: ${rate} rows/s, peak RSS ${peakMb} MB\n${result.stdout.split('\n\n')[0]}`);
        expect(result.stdout).toContain(`rows read: ${BIG_ROWS}`);
        expect(result.stdout).toContain(`rejected:  ${planted.size}`);
        expect(result.stdout).toContain('warnings:  1');
        expect(peakMb).toBeLessThan(300);

        const reported = fs
          .readFileSync(reportPath, 'utf8')
          .split('\r\n')
          .slice(1)
          .filter((line) => line.endsWith(',未导入'))
          .map((line) => Number(line.split(',')[0]));
        expect([...new Set(reported)].sort((a, b) => a - b)).toEqual([...planted].sort((a, b) => a - b));

        const counts = await query<{ n: string }>('select count(*) as n from registry_records where school_code = any($1)', [
          schools.map((s) => s.code),
        ]);
        expect(Number(counts[0]!.n)).toBe(BIG_ROWS - planted.size);
      } finally {
        // a hundred thousand rows per run would pile up in the shared test database
        await removeImported(schools.map((s) => s.code), batchId);
      }
    },
    BIG_TIMEOUT_MS + 30_000,
  );

  test(
    'When the file is good, then it imports and exits 0; a second run changes nothing',
    async () => {
      const school = randomSchool();
      const file = path.join(dir, 'good.csv');
      fs.writeFileSync(file, registryCsv([randomRegistryRow(school), randomRegistryRow(school, { 年级: '初二', 班级: '(4)班' })]));

      const first = await runCli([file]);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toContain('文件 good.csv（CSV，UTF-8），列名在第 1 行');
      expect(first.stdout).toContain('imported:  2 (inserted 2 / updated 0 / unchanged 0)');
      expect(first.stdout).toContain('schools:   1 created, 0 renamed; classes: 2 created');
      expect(fs.existsSync(path.join(dir, 'good.report.csv'))).toBe(false);

      const second = await runCli([file]);
      expect(second.code).toBe(0);
      expect(second.stdout).toContain('imported:  2 (inserted 0 / updated 0 / unchanged 2)');
      const batches = await query<{ rows_unchanged: number; imported_by: string }>(
        `select rows_unchanged, imported_by from registry_batches where id = $1`,
        [/batch:\s+(\S+)/.exec(second.stdout)![1]],
      );
      expect(batches[0]).toEqual({ rows_unchanged: 2, imported_by: os.userInfo().username });
    },
    CLI_TIMEOUT_MS * 2 + 5_000,
  );

  test(
    'When a row is bad and no --report is given, then the good rows import, the report lands next to the file, exit 0',
    async () => {
      const school = randomSchool();
      const file = path.join(dir, 'partial.csv');
      fs.writeFileSync(file, registryCsv([randomRegistryRow(school), randomRegistryRow(school, { 姓名: '=1+1' })]));

      const result = await runCli([file]);

      expect(result.code).toBe(0);
      expect(result.stdout).toContain('rejected:  1');
      expect(result.stdout).toMatch(/^3\s+\| 姓名\s+\| 姓名只能包含汉字、字母和间隔号（·） \| 未导入$/m);
      expect(fs.readFileSync(path.join(dir, 'partial.report.csv'), 'utf8')).toBe(
        '\uFEFF行号,列,问题,处理\r\n3,姓名,姓名只能包含汉字、字母和间隔号（·）,未导入\r\n',
      );
    },
    CLI_TIMEOUT_MS + 5_000,
  );

  test(
    'When a required column is missing, then nothing is imported and it exits 1 naming the column',
    async () => {
      const school = randomSchool();
      const file = path.join(dir, 'missing.csv');
      const headers = REGISTRY_HEADERS.filter((h) => h !== '学籍状态');
      fs.writeFileSync(file, registryCsv([randomRegistryRow(school)], headers));

      const result = await runCli([file]);

      expect(result.code).toBe(1);
      expect(result.stderr).toContain('缺少"学籍状态"列');
      expect(await query('select 1 from schools where code = $1', [school.code])).toEqual([]);
    },
    CLI_TIMEOUT_MS + 5_000,
  );

  test(
    'When the arguments are wrong, then it prints the usage and exits 2',
    async () => {
      const none = await runCli([]);
      expect(none.code).toBe(2);
      expect(none.stderr).toContain('用法: npm run registry:import');
      const badBatch = await runCli(['x.csv', '--batch-size', 'lots']);
      expect(badBatch.code).toBe(2);
    },
    CLI_TIMEOUT_MS * 2 + 5_000,
  );
});
