/**
 * The command line end to end: a real process against the test database, as an
 * operator runs it (`npm run teachers:import -- <file>` runs the same file with tsx).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTool, type ToolRun } from './test-support/run-tool';
import { Client } from 'pg';
import {
  gbkBytes,
  randomSchool,
  randomTeacherRow,
  teachersCsv,
} from '../server/services/teacher-import/teacher-file.fixtures';

const CLI_TIMEOUT_MS = 25_000;

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'teachers-import-'));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function runCli(args: string[]): Promise<ToolRun> {
  return runTool('tools/teachers-import.ts', args, CLI_TIMEOUT_MS);
}

async function teacherCount(schoolCode: string): Promise<number> {
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    const result = await client.query<{ n: string }>(
      `select count(*) as n from accounts a join schools s on s.id = a.school_id where s.code = $1 and a.role = 'teacher'`,
      [schoolCode],
    );
    return Number(result.rows[0]!.n);
  } finally {
    await client.end();
  }
}

describe('npm run teachers:import', () => {
  test(
    'When the file is good, then it imports, prints the summary and exits 0; a second run changes nothing',
    async () => {
      const school = randomSchool();
      const file = path.join(dir, 'good.csv');
      fs.writeFileSync(file, gbkBytes(teachersCsv([randomTeacherRow(school, '三年级2班', '三年级2班'), randomTeacherRow(school, '初一(3)班')])));

      const first = await runCli([file]);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toContain('good.csv（GBK/GB18030），教师 2 行');
      expect(first.stdout).toContain('teachers: 2 created, 0 updated, 0 unchanged; schools: 1 created, 0 renamed; classes: 2 created');
      expect(await teacherCount(school.code)).toBe(2);

      const second = await runCli([file]);
      expect(second.code).toBe(0);
      expect(second.stdout).toContain('0 created, 0 updated, 2 unchanged');
    },
    CLI_TIMEOUT_MS * 2 + 5_000,
  );

  test(
    'When a row is bad, then nothing is imported, the table names row and column, the report is written and it exits 1',
    async () => {
      const school = randomSchool();
      const rows = [randomTeacherRow(school, '三年级2班'), { ...randomTeacherRow(school, '三年级3班'), 手机号: '12345' }];
      const file = path.join(dir, 'bad.csv');
      const report = path.join(dir, 'bad-report.csv');
      fs.writeFileSync(file, teachersCsv(rows));

      const result = await runCli([file, '--report', report]);

      expect(result.code).toBe(1);
      expect(result.stdout).toContain('发现 1 个问题，未导入任何数据');
      expect(result.stdout).toMatch(/^3\s+\| 手机号\s+\| 请填写正确的 11 位手机号码$/m);
      const written = fs.readFileSync(report);
      expect([...written.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      expect(written.toString('utf8').slice(1)).toBe('行号,列,问题\r\n3,手机号,请填写正确的 11 位手机号码\r\n');
      expect(await teacherCount(school.code)).toBe(0);
    },
    CLI_TIMEOUT_MS + 5_000,
  );

  test(
    'When the arguments are wrong, then it prints the usage and exits 2',
    async () => {
      const result = await runCli([]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('用法: npm run teachers:import');
    },
    CLI_TIMEOUT_MS + 5_000,
  );
});
