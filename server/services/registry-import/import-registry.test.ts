import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { eq, inArray } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { classes, registryBatches, registryRecords, schools } from '../../db/schema';
import { createTestContext, type TestContext } from '../../test/context';
import { RegistryFileError, importRegistryFile, type ImportRegistryOptions } from './import-registry';
import {
  REGISTRY_HEADERS,
  randomChildResidentId,
  randomRegistryRow,
  randomSchool,
  registryCsv,
  type RegistryFileRow,
} from './registry-file.fixtures';
import { RESIDENT_ID_CONTEXT, STUDENT_NUMBER_CONTEXT } from './registry-writer';

let ctx: TestContext;
let dir: string;

beforeAll(async () => {
  ctx = await createTestContext();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-import-'));
});

afterAll(async () => {
  await ctx.cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

function chunks(bytes: Buffer, size = 4096): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return Readable.from(parts);
}

function importBytes(bytes: Buffer, options: Partial<ImportRegistryOptions> = {}) {
  return importRegistryFile(ctx, chunks(bytes), { fileName: '/tmp/学籍.csv', importedBy: 'jest', ...options });
}

function utf8(text: string, bom = true): Buffer {
  return Buffer.concat([bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(text, 'utf8')]);
}

async function recordsOf(schoolCode: string) {
  return ctx.db.select().from(registryRecords).where(eq(registryRecords.schoolCode, schoolCode)).orderBy(registryRecords.id);
}

async function recordByNumber(studentNumber: string) {
  const [row] = await ctx.db
    .select()
    .from(registryRecords)
    .where(eq(registryRecords.studentNumberIndex, ctx.pii.blindIndex('student_number', studentNumber)));
  return row;
}

async function xlsxBytes(build: (workbook: ExcelJS.Workbook) => void): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  build(workbook);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

describe('importRegistryFile', () => {
  test('When a UTF-8 CSV is imported, then rows are stored encrypted, schools and classes exist, and the batch is recorded', async () => {
    const school = randomSchool();
    const rows = [
      randomRegistryRow(school),
      randomRegistryRow(school, { 年级: '初一', 班级: '(3)班' }),
      randomRegistryRow(school, { 年级: '高二', 班级: '二班', 学籍状态: '借读' }, { lNumber: true }),
    ];
    const reportPath = path.join(dir, 'utf8-report.csv');

    const result = await importBytes(utf8(registryCsv(rows)), { reportPath });

    expect(result).toMatchObject({
      format: 'csv',
      encoding: 'utf-8',
      headerRow: 1,
      rowsRead: 3,
      rowsValid: 3,
      rowsRejected: 0,
      inserted: 3,
      updated: 0,
      unchanged: 0,
      schoolsCreated: 1,
      classesCreated: 3,
      problemCount: 0,
      readError: null,
    });
    expect(fs.readFileSync(reportPath, 'utf8')).toBe('\uFEFF行号,列,问题,处理\r\n');
    const [storedSchool] = await ctx.db.select().from(schools).where(eq(schools.code, school.code));
    expect(storedSchool!.name).toBe(school.name);
    const storedClasses = await ctx.db.select().from(classes).where(eq(classes.schoolId, storedSchool!.id));
    expect(storedClasses.map((c) => `${c.grade}/${c.name}`).sort()).toEqual(['J1/3班', 'P3/2班', 'S2/2班']);

    const first = await recordByNumber(rows[0]!.学籍号);
    expect(first).toMatchObject({
      name: rows[0]!.姓名,
      sex: rows[0]!.性别 === '男' ? 'male' : 'female',
      birthDate: rows[0]!.出生日期,
      schoolCode: school.code,
      schoolName: school.name,
      grade: 'P3',
      className: '2班',
      registryStatus: '在籍',
      batchId: result.batchId,
      residentIdIndex: ctx.pii.blindIndex('resident_id', rows[0]!.身份证号),
    });
    expect(first!.residentIdCipher).not.toContain(rows[0]!.身份证号);
    expect(ctx.pii.decrypt(first!.residentIdCipher, RESIDENT_ID_CONTEXT)).toBe(rows[0]!.身份证号);
    expect(ctx.pii.decrypt(first!.studentNumberCipher, STUDENT_NUMBER_CONTEXT)).toBe(rows[0]!.学籍号);
    expect((await recordByNumber(rows[2]!.学籍号))!.registryStatus).toBe('借读');

    const [batch] = await ctx.db.select().from(registryBatches).where(eq(registryBatches.id, result.batchId!));
    expect(batch).toMatchObject({
      fileName: '学籍.csv',
      fileSha256: result.fileSha256,
      rowsTotal: 3,
      rowsValid: 3,
      rowsRejected: 0,
      rowsInserted: 3,
      rowsUpdated: 0,
      rowsUnchanged: 0,
      importedBy: 'jest',
    });
    expect(result.fileSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(batch!.finishedAt).not.toBeNull();
  });

  test('When a GBK CSV with alias headers, a title row and an extra column is imported, then it is decoded and mapped', async () => {
    const school = randomSchool();
    const rows = [randomRegistryRow(school, { 学籍状态: '正常', 性别: '' }), randomRegistryRow(school, { 出生日期: '' })];
    const headers = ['全国学籍号', '学生姓名', '身份证件号', '性别', '出生日期', '学校代码', '学校名称', '年级', '班级', '学籍状态'];
    const csv = `某区学籍信息导出,,,\r\n${registryCsv(rows, headers).replace(/\r\n/g, ',备注\r\n').replace('学籍状态,备注', '学籍状态,家庭住址')}`;

    const result = await importBytes(iconv.encode(csv, 'gbk'));

    expect(result).toMatchObject({ encoding: 'gb18030', headerRow: 2, ignoredColumns: ['家庭住址'], rowsValid: 2, rowsRejected: 0 });
    const stored = await recordByNumber(rows[0]!.学籍号);
    expect(stored).toMatchObject({ name: rows[0]!.姓名, registryStatus: '在籍', schoolName: school.name });
    expect(stored!.sex).not.toBeNull();
    expect((await recordByNumber(rows[1]!.学籍号))!.birthDate).toBe(rows[1]!.身份证号.replace(/^.{6}(\d{4})(\d{2})(\d{2}).*$/, '$1-$2-$3'));
  });

  test('When an XLSX has a sheet named 学籍, then that sheet is read, with date cells and numeric codes', async () => {
    const school = randomSchool();
    const rows = [randomRegistryRow(school), randomRegistryRow(school, { 年级: '七年级', 班级: '12' })];
    const bytes = await xlsxBytes((workbook) => {
      workbook.addWorksheet('说明').addRow(['本表为学籍导出']);
      const sheet = workbook.addWorksheet('学籍');
      sheet.addRow([...REGISTRY_HEADERS]);
      for (const row of rows) {
        const [y, m, d] = row.出生日期.split('-').map(Number) as [number, number, number];
        sheet.addRow([
          row.学籍号,
          row.姓名,
          row.身份证号,
          row.性别,
          new Date(Date.UTC(y, m - 1, d)),
          Number(row.学校标识码),
          row.学校名称,
          row.年级,
          row.班级 === '12' ? 12 : row.班级,
          row.学籍状态,
        ]);
      }
    });

    const result = await importBytes(bytes, { fileName: '学籍.xlsx' });

    expect(result).toMatchObject({ format: 'xlsx', sheetName: '学籍', rowsRead: 2, rowsValid: 2, inserted: 2, problemCount: 0 });
    expect(await recordByNumber(rows[1]!.学籍号)).toMatchObject({ grade: 'J1', className: '12班', birthDate: rows[1]!.出生日期 });
  });

  test('When an XLSX lacks a required column, then the error names it and nothing is imported', async () => {
    const school = randomSchool();
    const row = randomRegistryRow(school);
    const bytes = await xlsxBytes((workbook) => {
      const sheet = workbook.addWorksheet('Sheet1');
      sheet.addRow(['学籍号', '姓名', '性别', '学校标识码', '学校名称', '年级', '班级', '学籍状态']);
      sheet.addRow([row.学籍号, row.姓名, row.性别, row.学校标识码, row.学校名称, row.年级, row.班级, row.学籍状态]);
    });
    const batchesBefore = await ctx.db.$count(registryBatches);

    const error = await importBytes(bytes).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(RegistryFileError);
    expect((error as RegistryFileError).problems).toEqual([
      { row: 1, column: '身份证号', message: '缺少"身份证号"列（也可写作：身份证件号、身份证号码、证件号码、身份证件号码、公民身份号码）' },
    ]);
    expect(await ctx.db.select().from(schools).where(eq(schools.code, school.code))).toEqual([]);
    expect(await recordsOf(school.code)).toEqual([]);
    expect(await ctx.db.$count(registryBatches)).toBe(batchesBefore);
  });

  test('When rows repeat a 学籍号, disagree with the ID, or share an ID, then they are reported and the good rows imported', async () => {
    const school = randomSchool();
    const a = randomRegistryRow(school);
    const b = randomRegistryRow(school);
    const sharedId = randomChildResidentId();
    const rows: RegistryFileRow[] = [
      a, // row 2
      b, // row 3
      { ...randomRegistryRow(school), 学籍号: a.学籍号 }, // row 4: duplicate of row 2
      randomRegistryRow(school, { 出生日期: '2000-01-01' }), // row 5: birth date vs ID
      randomRegistryRow(school, { 性别: b.性别 === '男' ? '女' : '男', 身份证号: b.身份证号 }, { lNumber: true }), // row 6: sex vs ID
      { ...randomRegistryRow(school), 学籍号: a.学籍号 }, // row 7: duplicate of row 2 again
      randomRegistryRow(school, { 身份证号: sharedId }), // row 8
      randomRegistryRow(school, { 身份证号: sharedId }, { lNumber: true }), // row 9: same ID, another number (warning)
      randomRegistryRow(school, { 学校标识码: '12345', 年级: '九年级', 班级: '三年级2班' }), // row 10: school code, grade/class
    ];
    const reportPath = path.join(dir, 'problems.csv');

    const result = await importBytes(utf8(registryCsv(rows)), { reportPath });

    const birth = rows[3]!.身份证号.replace(/^.{6}(\d{4})(\d{2})(\d{2}).*$/, '$1-$2-$3');
    expect(result.problems).toEqual([
      { row: 4, column: '学籍号', message: '与第 2 行的学籍号重复', level: 'error' },
      { row: 5, column: '出生日期', message: `出生日期 2000-01-01 与身份证号中的出生日期 ${birth} 不一致`, level: 'error' },
      { row: 6, column: '性别', message: expect.stringMatching(/^性别"[男女]"与身份证号不一致（身份证号为[男女]性）$/), level: 'error' },
      { row: 7, column: '学籍号', message: '与第 2 行的学籍号重复', level: 'error' },
      { row: 9, column: '身份证号', message: '与第 8 行的身份证号相同而学籍号不同，两行均已导入，请核实', level: 'warning' },
      { row: 10, column: '学校标识码', message: '学校标识码应为 10 位数字', level: 'error' },
      { row: 10, column: '班级', message: '班级"三年级2班"与年级"九年级"不一致', level: 'error' },
    ]);
    expect(result).toMatchObject({ rowsRead: 9, rowsValid: 4, rowsRejected: 5, warnings: 1, inserted: 4 });
    const report = fs.readFileSync(reportPath, 'utf8');
    expect(report.split('\r\n').slice(0, 3)).toEqual(['\uFEFF行号,列,问题,处理', '4,学籍号,与第 2 行的学籍号重复,未导入', expect.stringMatching(/^5,出生日期,/)]);
    expect(report).toContain('9,身份证号,与第 8 行的身份证号相同而学籍号不同，两行均已导入，请核实,已导入，请核实\r\n');
    // the first occurrence is the one stored; both rows of the shared ID are stored
    expect((await recordByNumber(a.学籍号))!.name).toBe(a.姓名);
    expect(await recordByNumber(rows[7]!.学籍号)).toBeDefined();
    expect(await recordByNumber(rows[6]!.学籍号)).toBeDefined();
    expect(await recordByNumber(rows[4]!.学籍号)).toBeUndefined();
  });

  test('When the same file is imported again, then nothing changes: counts say unchanged and updated_at is untouched', async () => {
    const school = randomSchool();
    const rows = Array.from({ length: 25 }, (_, i) => randomRegistryRow(school, { 班级: `${(i % 3) + 1}班` }));
    const bytes = utf8(registryCsv(rows));
    const first = await importBytes(bytes, { batchSize: 10 });
    const before = await recordsOf(school.code);

    const second = await importBytes(bytes, { batchSize: 10 });

    expect(second).toMatchObject({ rowsValid: 25, inserted: 0, updated: 0, unchanged: 25, schoolsCreated: 0, schoolsRenamed: 0, classesCreated: 0 });
    expect(second.fileSha256).toBe(first.fileSha256);
    const after = await recordsOf(school.code);
    expect(after).toEqual(before);
    expect(after.every((r) => r.batchId === first.batchId)).toBe(true);
    const [batch] = await ctx.db.select().from(registryBatches).where(eq(registryBatches.id, second.batchId!));
    expect(batch).toMatchObject({ rowsInserted: 0, rowsUpdated: 0, rowsUnchanged: 25 });
  });

  test('When a file is imported again with one row changed, then only that row is encrypted again', async () => {
    const school = randomSchool();
    const rows = Array.from({ length: 30 }, () => randomRegistryRow(school));
    await importBytes(utf8(registryCsv(rows)), { batchSize: 10 });
    rows[17] = { ...rows[17]!, 姓名: `${rows[17]!.姓名}明` };
    const encrypt = jest.spyOn(ctx.pii, 'encrypt');
    try {
      const second = await importBytes(utf8(registryCsv(rows)), { batchSize: 10 });

      expect(second).toMatchObject({ rowsValid: 30, inserted: 0, updated: 1, unchanged: 29 });
      // the changed row's 学籍号 and resident ID (it has no guardians column here): nothing of the 29 unchanged rows
      expect(encrypt.mock.calls.map(([, context]) => context).sort()).toEqual([RESIDENT_ID_CONTEXT, STUDENT_NUMBER_CONTEXT].sort());
    } finally {
      encrypt.mockRestore();
    }
    expect((await recordByNumber(rows[17]!.学籍号))?.name).toBe(rows[17]!.姓名);
  });

  test('When one row changes in a second import, then only that row is updated, with the new batch; a renamed school is renamed', async () => {
    const school = randomSchool();
    const rows = Array.from({ length: 5 }, () => randomRegistryRow(school));
    await importBytes(utf8(registryCsv(rows)));
    const before = new Map((await recordsOf(school.code)).map((r) => [r.id, r]));
    const renamed = `${school.name}（新校区）`;
    const changed = rows.map((row, i) => ({ ...row, 学校名称: renamed, ...(i === 2 ? { 班级: '5班', 学籍状态: '休学' } : {}) }));

    const dry = await importBytes(utf8(registryCsv(changed)), { dryRun: true });
    expect(dry).toMatchObject({ batchId: null, inserted: 0, updated: 5, unchanged: 0, schoolsRenamed: 1, classesCreated: 1 });
    expect(new Map((await recordsOf(school.code)).map((r) => [r.id, r]))).toEqual(before);

    const onlyRow3 = rows.map((row, i) => (i === 2 ? { ...row, 班级: '5班', 学籍状态: '休学' } : row));
    const result = await importBytes(utf8(registryCsv(onlyRow3)));

    expect(result).toMatchObject({ inserted: 0, updated: 1, unchanged: 4, classesCreated: 1 });
    const after = await recordsOf(school.code);
    const updated = after.filter((r) => r.updatedAt.getTime() !== before.get(r.id)!.updatedAt.getTime());
    expect(updated).toHaveLength(1);
    expect(updated[0]).toMatchObject({ className: '5班', registryStatus: '休学', batchId: result.batchId });
    expect(after.filter((r) => r.batchId === result.batchId)).toHaveLength(1);

    const renameRun = await importBytes(utf8(registryCsv(onlyRow3.map((row) => ({ ...row, 学校名称: renamed })))));
    expect(renameRun).toMatchObject({ updated: 5, schoolsRenamed: 1 });
    const [stored] = await ctx.db.select().from(schools).where(inArray(schools.code, [school.code]));
    expect(stored!.name).toBe(renamed);
  });

  test('When a file spans many chunks, then new rows are inserted, changed rows updated, equal rows left alone, and the counts add up', async () => {
    const school = randomSchool();
    const stored = Array.from({ length: 40 }, (_, i) => randomRegistryRow(school, { 班级: `${(i % 4) + 1}班` }));
    const first = await importBytes(utf8(registryCsv(stored)), { batchSize: 7 });
    expect(first).toMatchObject({ inserted: 40, updated: 0, unchanged: 0, classesCreated: 4 });
    const before = new Map((await recordsOf(school.code)).map((r) => [r.studentNumberIndex, r]));

    // every 5th stored row changes its status, 30 new rows, one of them in a new class; 11 chunks of 7 rows
    const changedAt = new Set([0, 5, 10, 15, 20, 25, 30, 35]);
    const next = [
      ...stored.map((row, i) => (changedAt.has(i) ? { ...row, 学籍状态: '休学' } : row)),
      ...Array.from({ length: 30 }, (_, i) => randomRegistryRow(school, { 班级: i === 29 ? '9班' : '1班' })),
    ];
    const second = await importBytes(utf8(registryCsv(next)), { batchSize: 7 });

    expect(second).toMatchObject({ rowsValid: 70, inserted: 30, updated: 8, unchanged: 32, classesCreated: 1, schoolsCreated: 0 });
    const after = await recordsOf(school.code);
    expect(after).toHaveLength(70);
    for (const [i, row] of stored.entries()) {
      const record = after.find((r) => r.studentNumberIndex === ctx.pii.blindIndex('student_number', row.学籍号))!;
      const was = before.get(record.studentNumberIndex)!;
      if (changedAt.has(i)) {
        expect(record).toMatchObject({ registryStatus: '休学', batchId: second.batchId, id: was.id, residentIdIndex: was.residentIdIndex });
        expect(record.updatedAt.getTime()).toBeGreaterThan(was.updatedAt.getTime());
        expect(ctx.pii.decrypt(record.residentIdCipher, RESIDENT_ID_CONTEXT)).toBe(row.身份证号);
      } else {
        expect(record).toEqual(was);
      }
    }
    const [batch] = await ctx.db.select().from(registryBatches).where(eq(registryBatches.id, second.batchId!));
    expect(batch).toMatchObject({ rowsInserted: 30, rowsUpdated: 8, rowsUnchanged: 32 });
  });

  test('When a dry run spans many chunks, then it counts what an import would do and changes nothing', async () => {
    const school = randomSchool();
    const stored = Array.from({ length: 12 }, () => randomRegistryRow(school));
    await importBytes(utf8(registryCsv(stored)));
    const before = await recordsOf(school.code);
    const batchesBefore = await ctx.db.$count(registryBatches);
    const next = [...stored.map((row, i) => (i < 3 ? { ...row, 姓名: `${row.姓名}新` } : row)), ...Array.from({ length: 9 }, () => randomRegistryRow(school, { 年级: '初一' }))];

    const dry = await importBytes(utf8(registryCsv(next)), { dryRun: true, batchSize: 4 });

    expect(dry).toMatchObject({ batchId: null, rowsValid: 21, inserted: 9, updated: 3, unchanged: 9, schoolsCreated: 0, classesCreated: 1 });
    expect(await recordsOf(school.code)).toEqual(before);
    expect(await ctx.db.$count(registryBatches)).toBe(batchesBefore);
  });

  test('When text fields hold backslashes (even a whole "\\N"), then they are stored exactly as validated', async () => {
    const school = { code: randomSchool().code, name: '测试\\学校\t分校' };
    const row = randomRegistryRow(school, { 学籍状态: '\\N' });

    const result = await importBytes(utf8(registryCsv([row])));

    expect(result).toMatchObject({ inserted: 1, problemCount: 0 });
    // the tab was a space after validation (runs of white space are one space in a school name)
    expect(await recordByNumber(row.学籍号)).toMatchObject({ schoolName: '测试\\学校 分校', registryStatus: '\\N' });
    const second = await importBytes(utf8(registryCsv([row])));
    expect(second).toMatchObject({ inserted: 0, updated: 0, unchanged: 1 });
  });

  test('When the CSV breaks off (an unclosed quote), then the rows read before it are imported and readError says where', async () => {
    const school = randomSchool();
    const rows = Array.from({ length: 300 }, () => randomRegistryRow(school));
    const text = `${registryCsv(rows)}"${rows[0]!.学籍号},broken\r\n`;

    const result = await importBytes(utf8(text));

    // rows the parser still held when it failed are not read: readError.row is the first row not read
    expect(result.readError).toEqual({
      row: expect.any(Number),
      column: '',
      message: 'CSV 格式错误：引号没有闭合，请检查该行附近的单元格',
      level: 'error',
    });
    expect(result.readError!.row).toBeGreaterThan(200);
    expect(result.readError!.row).toBeLessThanOrEqual(302);
    expect(result).toMatchObject({ rowsRead: result.readError!.row - 2, inserted: result.readError!.row - 2, fileSha256: null });
    expect(await recordsOf(school.code)).toHaveLength(result.readError!.row - 2);
  });

  test('When the file is empty or a legacy .xls, then nothing is imported and the reason is given', async () => {
    await expect(importBytes(Buffer.alloc(0))).rejects.toThrow(/文件为空/);
    await expect(importBytes(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))).rejects.toThrow(/\.xls/);
    await expect(importBytes(Buffer.from('PK\u0003\u0004 this is not a zip'))).rejects.toThrow(RegistryFileError);
  });
});
