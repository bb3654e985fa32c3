import { and, count, eq, inArray } from 'drizzle-orm';
import { accounts, auditLog, classes, schools, teacherClasses } from '../../db/schema';
import { createTestContext, type TestContext } from '../../test/context';
import { buildAccount, buildClass, buildSchool } from '../../test/factories';
import { PHONE_CONTEXT, RESIDENT_ID_CONTEXT, TEACHER_IMPORTED_ACTION, importTeachersFile } from './import-teachers';
import {
  byteStream,
  gbkBytes,
  randomSchool,
  randomTeacherRow,
  teachersCsv,
  utf8Bytes,
  type TeacherFileRow,
} from './teacher-file.fixtures';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.cleanup();
});

function importCsv(rows: readonly TeacherFileRow[], options: { gbk?: boolean; bom?: boolean; dryRun?: boolean } = {}) {
  const text = teachersCsv(rows);
  const bytes = options.gbk ? gbkBytes(text) : utf8Bytes(text, options.bom);
  return importTeachersFile(ctx, byteStream(bytes), { dryRun: options.dryRun ?? false, source: '/tmp/教师名单.csv' });
}

/** Everything the import may touch for one school, as comparable data. */
async function snapshotOf(schoolCode: string) {
  const [school] = await ctx.db.select().from(schools).where(eq(schools.code, schoolCode));
  if (!school) return null;
  const teachers = await ctx.db.select().from(accounts).where(eq(accounts.schoolId, school.id)).orderBy(accounts.id);
  const schoolClasses = await ctx.db.select().from(classes).where(eq(classes.schoolId, school.id)).orderBy(classes.id);
  const ids = teachers.map((t) => t.id);
  const taught = ids.length
    ? await ctx.db.select().from(teacherClasses).where(inArray(teacherClasses.teacherId, ids))
    : [];
  const audits = ids.length
    ? await ctx.db.select().from(auditLog).where(and(eq(auditLog.subjectType, 'account'), inArray(auditLog.subjectId, ids)))
    : [];
  return { school, teachers, classes: schoolClasses, taught, audits };
}

async function teacherByPhone(phone: string) {
  const rows = await ctx.db.select().from(accounts).where(eq(accounts.phoneIndex, ctx.pii.blindIndex('phone', phone)));
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

async function classNamesOf(teacherId: string): Promise<string[]> {
  const rows = await ctx.db
    .select({ grade: classes.grade, name: classes.name })
    .from(teacherClasses)
    .innerJoin(classes, eq(classes.id, teacherClasses.classId))
    .where(eq(teacherClasses.teacherId, teacherId));
  return rows.map((r) => `${r.grade}/${r.name}`).sort();
}

async function headClassesOf(teacherId: string): Promise<string[]> {
  const rows = await ctx.db.select().from(classes).where(eq(classes.headTeacherId, teacherId));
  return rows.map((r) => `${r.grade}/${r.name}`).sort();
}

describe('importTeachersFile', () => {
  test('When a GBK file is imported, then teachers, school, classes and head teachers exist, PII encrypted', async () => {
    const school = randomSchool();
    const rows = [
      randomTeacherRow(school, '三年级2班、三年级3班', '三年级2班'),
      randomTeacherRow(school, '初一（3）班;七年级3班'),
    ];

    const { parsed, outcome } = await importCsv(rows, { gbk: true });

    expect(parsed.encoding).toBe('gb18030');
    expect(outcome).toEqual({
      ok: true,
      dryRun: false,
      summary: { teachersCreated: 2, teachersUpdated: 0, teachersUnchanged: 0, schoolsCreated: 1, schoolsRenamed: 0, classesCreated: 3 },
    });
    const [dbSchool] = await ctx.db.select().from(schools).where(eq(schools.code, school.code));
    expect(dbSchool!.name).toBe(school.name);

    const first = await teacherByPhone(rows[0]!.手机号);
    expect(first).toMatchObject({
      role: 'teacher',
      status: 'pending_activation',
      username: null,
      passwordHash: null,
      displayName: rows[0]!.姓名,
      schoolId: dbSchool!.id,
      residentIdIndex: ctx.pii.blindIndex('resident_id', rows[0]!.身份证号),
    });
    expect(first.phoneCipher).not.toContain(rows[0]!.手机号);
    expect(ctx.pii.decrypt(first.phoneCipher!, PHONE_CONTEXT)).toBe(rows[0]!.手机号);
    expect(ctx.pii.decrypt(first.residentIdCipher!, RESIDENT_ID_CONTEXT)).toBe(rows[0]!.身份证号);
    expect(await classNamesOf(first.id)).toEqual(['P3/2班', 'P3/3班']);
    expect(await headClassesOf(first.id)).toEqual(['P3/2班']);

    const second = await teacherByPhone(rows[1]!.手机号);
    expect(await classNamesOf(second.id)).toEqual(['J1/3班']);
    expect(await headClassesOf(second.id)).toEqual([]);

    const audits = await ctx.db.select().from(auditLog).where(eq(auditLog.subjectId, first.id));
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ action: TEACHER_IMPORTED_ACTION, actorAccountId: null, subjectType: 'account' });
    expect(audits[0]!.detail).toMatchObject({
      outcome: 'created',
      source: '教师名单.csv',
      row: 2,
      schoolCode: school.code,
      classes: ['P3/2班', 'P3/3班'],
      headClass: 'P3/2班',
    });
    const detail = JSON.stringify(audits[0]!.detail);
    for (const secret of [rows[0]!.手机号, rows[0]!.身份证号, rows[0]!.姓名]) expect(detail).not.toContain(secret);
  });

  test('When a UTF-8 file with BOM is imported, then its first header is read correctly', async () => {
    const school = randomSchool();
    const rows = [randomTeacherRow(school, '高二03班', '高二3班')];
    const { parsed, outcome } = await importCsv(rows, { bom: true });
    expect(parsed.encoding).toBe('utf-8');
    expect(outcome.ok).toBe(true);
    const teacher = await teacherByPhone(rows[0]!.手机号);
    expect(teacher.displayName).toBe(rows[0]!.姓名);
    expect(await headClassesOf(teacher.id)).toEqual(['S2/3班']);
  });

  test('When one row has a bad phone, then nothing at all is imported and the row and column are named', async () => {
    const school = randomSchool();
    const rows = [randomTeacherRow(school, '三年级1班'), randomTeacherRow(school, '三年级2班'), randomTeacherRow(school, '三年级3班')];
    rows[2] = { ...rows[2]!, 手机号: '23800138000' };

    const { outcome } = await importCsv(rows);

    expect(outcome).toEqual({ ok: false, errors: [{ row: 4, column: '手机号', message: '请填写正确的 11 位手机号码' }] });
    expect(await snapshotOf(school.code)).toBeNull();
  });

  test('When two rows share a phone, then nothing is imported', async () => {
    const school = randomSchool();
    const rows = [randomTeacherRow(school, '三年级1班'), randomTeacherRow(school, '三年级2班')];
    rows[1] = { ...rows[1]!, 手机号: rows[0]!.手机号 };
    const { outcome } = await importCsv(rows);
    expect(outcome).toEqual({ ok: false, errors: [{ row: 3, column: '手机号', message: '与第 2 行的手机号重复' }] });
    expect(await snapshotOf(school.code)).toBeNull();
  });

  test('When a phone belongs to a family account or to a teacher of another school, then nothing is imported', async () => {
    const school = randomSchool();
    const rows = [randomTeacherRow(school, '三年级1班'), randomTeacherRow(school, '三年级2班'), randomTeacherRow(school, '三年级3班')];
    await buildAccount(ctx.db, { role: 'parent', phoneIndex: ctx.pii.blindIndex('phone', rows[0]!.手机号) });
    const otherSchool = await buildSchool(ctx.db);
    await buildAccount(ctx.db, {
      role: 'teacher',
      schoolId: otherSchool.id,
      phoneIndex: ctx.pii.blindIndex('phone', rows[2]!.手机号),
    });
    // and an ID number already held by an account with another phone
    await buildAccount(ctx.db, { role: 'teacher', residentIdIndex: ctx.pii.blindIndex('resident_id', rows[1]!.身份证号) });

    const { outcome } = await importCsv(rows);

    expect(outcome).toEqual({
      ok: false,
      errors: [
        { row: 2, column: '手机号', message: '该手机号已注册为家长账号，不能再导入为教师' },
        { row: 3, column: '身份证号', message: expect.stringContaining('该身份证号已属于另一个手机号的账号') },
        { row: 4, column: '手机号', message: expect.stringContaining(`该手机号已是其他学校（${otherSchool.name}）的教师`) },
      ],
    });
    expect(await snapshotOf(school.code)).toBeNull();
  });

  test('When the file has row errors and database clashes, then one report lists both', async () => {
    const school = randomSchool();
    const rows = [randomTeacherRow(school, '三年级1班'), randomTeacherRow(school, '三年级')];
    await buildAccount(ctx.db, { role: 'student', phoneIndex: ctx.pii.blindIndex('phone', rows[0]!.手机号) });
    const { outcome } = await importCsv(rows);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.errors.map((e) => [e.row, e.column])).toEqual([
      [2, '手机号'],
      [3, '任教班级'],
    ]);
  });

  test('When a listed teacher changes, then name, classes and head class follow the file and the change is audited', async () => {
    const school = randomSchool();
    const a = randomTeacherRow(school, '三年级1班、三年级2班', '三年级1班');
    const b = randomTeacherRow(school, '四年级1班', '四年级1班');
    expect((await importCsv([a, b])).outcome.ok).toBe(true);
    const teacherA = await teacherByPhone(a.手机号);
    const teacherB = await teacherByPhone(b.手机号);

    // A is renamed, teaches 三年级2班 and 四年级1班 and becomes head of 四年级1班; B is no head teacher any more
    const a2 = { ...a, 姓名: `${a.姓名}新`, 任教班级: '三年级2班', 班主任班级: '四年级1班' };
    const b2 = { ...b, 班主任班级: '' };
    const { outcome } = await importCsv([a2, b2]);

    expect(outcome).toMatchObject({
      ok: true,
      summary: { teachersCreated: 0, teachersUpdated: 2, teachersUnchanged: 0, schoolsCreated: 0, classesCreated: 0 },
    });
    expect((await teacherByPhone(a.手机号)).displayName).toBe(a2.姓名);
    expect(await classNamesOf(teacherA.id)).toEqual(['P3/2班', 'P4/1班']);
    expect(await headClassesOf(teacherA.id)).toEqual(['P4/1班']);
    expect(await classNamesOf(teacherB.id)).toEqual(['P4/1班']);
    expect(await headClassesOf(teacherB.id)).toEqual([]);
    // 三年级1班 lost its head teacher: the file no longer gives it to A
    const [p31] = await ctx.db
      .select()
      .from(classes)
      .where(and(eq(classes.schoolId, teacherA.schoolId!), eq(classes.grade, 'P3'), eq(classes.name, '1班')));
    expect(p31!.headTeacherId).toBeNull();

    const audits = await ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.subjectId, teacherA.id), eq(auditLog.action, TEACHER_IMPORTED_ACTION)))
      .orderBy(auditLog.id);
    expect(audits.map((r) => (r.detail as { outcome: string }).outcome)).toEqual(['created', 'updated']);
    expect((audits[1]!.detail as { changes: string[] }).changes).toEqual(['name', 'classes', 'headClass']);
  });

  test('When the file names a new head teacher for a class, then the previous one (not in the file) is replaced', async () => {
    const dbSchool = await buildSchool(ctx.db);
    const previous = await buildAccount(ctx.db, { role: 'teacher', schoolId: dbSchool.id });
    const klass = await buildClass(ctx.db, { schoolId: dbSchool.id, grade: 'J2', name: '5班', headTeacherId: previous.id });
    const row = randomTeacherRow({ code: dbSchool.code, name: '改了名字的学校' }, '八年级5班', '初二(5)班');

    const { outcome } = await importCsv([row]);

    expect(outcome).toMatchObject({ ok: true, summary: { teachersCreated: 1, schoolsCreated: 0, schoolsRenamed: 1, classesCreated: 0 } });
    const teacher = await teacherByPhone(row.手机号);
    const [after] = await ctx.db.select().from(classes).where(eq(classes.id, klass.id));
    expect(after!.headTeacherId).toBe(teacher.id);
    const [audit] = await ctx.db.select().from(auditLog).where(eq(auditLog.subjectId, teacher.id));
    expect(audit!.detail).toMatchObject({ replacedHeadTeacherId: previous.id });
    const [renamed] = await ctx.db.select().from(schools).where(eq(schools.id, dbSchool.id));
    expect(renamed!.name).toBe('改了名字的学校');
  });

  test('When run with dryRun, then the summary is computed and nothing is written', async () => {
    const school = randomSchool();
    const rows = [randomTeacherRow(school, '三年级1班', '三年级1班')];
    const { outcome } = await importCsv(rows, { dryRun: true });
    expect(outcome).toMatchObject({ ok: true, dryRun: true, summary: { teachersCreated: 1, schoolsCreated: 1, classesCreated: 1 } });
    expect(await snapshotOf(school.code)).toBeNull();
  });

  test('A generated 500-row file imports quickly, and importing it again changes nothing', async () => {
    const school = randomSchool();
    const grades = ['一年级', '二年级', '三年级', '四年级', '五年级', '六年级', '初一', '初二', '初三', '高一', '高二', '高三'];
    const rows = Array.from({ length: 500 }, (_, i) => {
      const grade = grades[i % grades.length]!;
      const n = (Math.floor(i / grades.length) % 20) + 1;
      // the first 240 teachers each head their own class; the others teach two classes
      const head = i < 240 ? `${grade}${n}班` : '';
      return randomTeacherRow(school, `${grade}${n}班、${grades[(i + 1) % grades.length]}${n}班`, head);
    });
    const bytes = gbkBytes(teachersCsv(rows));

    const started = performance.now();
    const first = await importTeachersFile(ctx, byteStream(bytes), { source: 'big.csv' });
    const firstMs = performance.now() - started;
    expect(first.outcome).toEqual({
      ok: true,
      dryRun: false,
      summary: { teachersCreated: 500, teachersUpdated: 0, teachersUnchanged: 0, schoolsCreated: 1, schoolsRenamed: 0, classesCreated: 240 },
    });
    const before = await snapshotOf(school.code);
    expect(before!.teachers).toHaveLength(500);
    expect(before!.audits).toHaveLength(500);
    expect(before!.classes.filter((c) => c.headTeacherId)).toHaveLength(240);

    const again = performance.now();
    const second = await importTeachersFile(ctx, byteStream(bytes), { source: 'big.csv' });
    const secondMs = performance.now() - again;
    expect(second.outcome).toEqual({
      ok: true,
      dryRun: false,
      summary: { teachersCreated: 0, teachersUpdated: 0, teachersUnchanged: 500, schoolsCreated: 0, schoolsRenamed: 0, classesCreated: 0 },
    });
    // nothing changed: same rows, same updated_at, no new audit rows
    expect(await snapshotOf(school.code)).toEqual(before);
    const [{ audits }] = (await ctx.db
      .select({ audits: count() })
      .from(auditLog)
      .where(and(eq(auditLog.action, TEACHER_IMPORTED_ACTION), inArray(auditLog.subjectId, before!.teachers.map((t) => t.id))))) as [
      { audits: number },
    ];
    expect(audits).toBe(500);
    console.log(`500-row teachers file (GBK): first import ${firstMs.toFixed(0)} ms, re-import ${secondMs.toFixed(0)} ms`);
  }, 60_000);
});
