import { and, eq, sql } from 'drizzle-orm';
import { parseResidentId } from '../../../domain/identity/resident-id';
import { rowsOf } from '../../db/client';
import { accounts, classes, schools, teacherClasses } from '../../db/schema';
import { verifyPassword } from '../../security/passwords';
import type { TestContext } from '../../test/context';
import { buildAccount, buildSubmittedVersion } from '../../test/factories';
import { createScratchTestContext } from '../../test/scratch-database';
import { matchProfileVersion } from '../registry-matching';
import { DEMO_CLASSES, DEMO_SCHOOL, generateDemoRegistry, schoolYearStart } from './demo-registry';
import { DemoSeedRefused, formatDemoSeedSummary, seedDemo, type DemoExample } from './demo-seed';

/** The seed uses a fixed school code and usernames: on a database of its own. */
let ctx: TestContext;

beforeAll(async () => {
  ctx = await createScratchTestContext();
});

afterAll(async () => {
  await ctx.cleanup();
});

const NOW = new Date('2026-11-29T04:00:00Z');

describe('demo registry', () => {
  test('When generated, then 300 valid, unique students of the right age fill the four classes, a few 借读; the same school year gives the same rows', () => {
    const rows = generateDemoRegistry(NOW);

    expect(rows).toHaveLength(300);
    expect(generateDemoRegistry(new Date('2027-03-01T00:00:00Z'))).toEqual(rows); // same school year (2026)
    expect(new Set(rows.map((r) => r.residentId)).size).toBe(300);
    for (const r of rows) {
      const parsed = parseResidentId(r.residentId, { use: 'student', now: NOW });
      expect(parsed.ok).toBe(true);
      expect(r.studentNumber).toBe(`G${r.residentId}`);
      // 三年级 in the school year 2026 started 一年级 in September 2024: born 2017-09-01 … 2018-08-31.
      const firstGradeYear = schoolYearStart(NOW) - (Number(r.grade.slice(1)) - 1);
      expect(r.birthDate >= `${firstGradeYear - 7}-09-01` && r.birthDate <= `${firstGradeYear - 6}-08-31`).toBe(true);
    }
    for (const c of DEMO_CLASSES) expect(rows.filter((r) => r.grade === c.grade && r.className === c.name)).toHaveLength(75);
    const transient = rows.filter((r) => r.registryStatus === '借读');
    expect(transient.length).toBeGreaterThanOrEqual(3);
    expect(transient.length).toBeLessThanOrEqual(10);
  });
});

async function snapshot() {
  const result = await ctx.db.execute(sql`select
    (select count(*) from schools)::int as schools, (select count(*) from classes)::int as classes,
    (select count(*) from accounts)::int as accounts, (select count(*) from registry_records)::int as registry,
    (select count(*) from registry_batches)::int as batches, (select count(*) from audit_log)::int as audits,
    (select max(updated_at) from registry_records)::text as "registryUpdated",
    (select string_agg(password_hash, ',' order by username) from accounts)::text as hashes`);
  return rowsOf<Record<string, unknown>>(result)[0];
}

async function submit(example: DemoExample) {
  const [school] = await ctx.db.select().from(schools).where(eq(schools.code, example.schoolCode));
  const [klass] = await ctx.db
    .select()
    .from(classes)
    .where(and(eq(classes.schoolId, school!.id), eq(classes.grade, 'P3'), eq(classes.name, example.className)));
  // The family registered with the printed guardian phone (the evidence of the automatic approval).
  const family = await buildAccount(ctx.db, {
    role: 'parent',
    phoneCipher: ctx.pii.encrypt(example.guardianPhone, 'accounts.phone'),
    phoneIndex: ctx.pii.blindIndex('phone', example.guardianPhone),
  });
  const built = await buildSubmittedVersion(ctx, {
    family,
    school: school!,
    klass: klass!,
    grade: 'P3',
    name: example.name,
    residentId: example.residentId,
    withOutbox: false,
  });
  return matchProfileVersion(ctx, built.version.id);
}

describe('demo seed', () => {
  test('When seeded twice, then the first run creates school, classes, registry and three staff accounts (head teacher, school admin, operator), and the second changes nothing', async () => {
    const first = await seedDemo(ctx, { now: NOW });
    const before = await snapshot();
    const second = await seedDemo(ctx, { now: NOW });
    const after = await snapshot();

    expect(first.registry).toMatchObject({ inserted: 300, imported: true });
    expect(first.classesCreated).toBe(4);
    expect(first.accounts.map((a) => [a.username, a.role, a.created])).toEqual([
      ['demo_teacher', 'teacher', true],
      ['demo_admin', 'school_admin', true],
      ['demo_operator', 'operator', true],
    ]);
    expect(after).toEqual(before);
    expect(second.registry).toMatchObject({ inserted: 0, updated: 0, unchanged: 300, imported: false });
    expect(second.accounts.every((a) => !a.created && a.password === null)).toBe(true);
    expect(second.accounts.map((a) => a.phoneMasked)).toEqual(first.accounts.map((a) => a.phoneMasked));

    for (const account of first.accounts) {
      const [row] = await ctx.db.select().from(accounts).where(eq(accounts.usernameKey, account.username));
      expect(row).toMatchObject({ status: 'active', role: account.role });
      expect(await verifyPassword(row!.passwordHash, account.password!)).toBe(true);
      expect(account.phoneMasked).toMatch(/^170\*{4}\d{4}$/);
    }
    const [teacher] = await ctx.db.select().from(accounts).where(eq(accounts.usernameKey, 'demo_teacher'));
    const [head] = await ctx.db.select().from(classes).where(eq(classes.headTeacherId, teacher!.id));
    expect(head).toMatchObject({ grade: 'P3', name: '2班' });
    expect(await ctx.db.select().from(teacherClasses).where(eq(teacherClasses.teacherId, teacher!.id))).toHaveLength(1);
    const [school] = await ctx.db.select().from(schools).where(eq(schools.code, DEMO_SCHOOL.code));
    expect(school!.name).toBe('示范小学');

    const text = formatDemoSeedSummary(first);
    expect(text).toContain(first.accounts[0]!.password!);
    expect(text).toContain(first.matchExamples[0]!.residentId);
    // What happens to an approved example submitted again elsewhere: a dispute for the head teacher, not a refusal.
    expect(text).toContain('会成为身份申诉');
    expect(text).not.toContain('转人工审核');
    expect(text).toContain(`监护人手机号 ${first.matchExamples[0]!.guardianPhone}`);
    expect(formatDemoSeedSummary(second)).not.toContain(first.accounts[0]!.password!);
    // The console's accounts are printed with their passwords, and where to sign in.
    expect(text).toContain(first.accounts[2]!.password!);
    expect(text).toContain('/console');
    const [operator] = await ctx.db.select().from(accounts).where(eq(accounts.usernameKey, 'demo_operator'));
    expect(operator).toMatchObject({ role: 'operator', schoolId: null, phoneCipher: expect.any(String) });
  });

  test('When a newcomer submits the printed examples, then the three match and the fourth goes to the demo head teacher', async () => {
    const result = await seedDemo(ctx, { now: NOW });
    const [teacher] = await ctx.db.select().from(accounts).where(eq(accounts.usernameKey, 'demo_teacher'));

    expect(result.matchExamples).toHaveLength(3);
    for (const example of result.matchExamples) {
      expect(example).toMatchObject({ schoolName: '示范小学', gradeLabel: '三年级', className: '2班', registryStatus: '在籍' });
      expect(await submit(example)).toMatchObject({ changed: true, outcome: 'matched', status: 'approved' });
    }
    expect(await submit(result.reviewExample)).toMatchObject({
      outcome: 'transient_status',
      status: 'pending_review',
      assignedReviewerId: teacher!.id,
    });
  });

  test('When NODE_ENV is production, then the seed refuses', async () => {
    await expect(seedDemo({ ...ctx, config: { ...ctx.config, NODE_ENV: 'production' } })).rejects.toBeInstanceOf(DemoSeedRefused);
  });
});
