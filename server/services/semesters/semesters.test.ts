import { randomBytes } from 'node:crypto';
import { and, eq, inArray, like } from 'drizzle-orm';
import { notifications, profileVersions, semesters, students } from '../../db/schema';
import { createTestContext, type TestContext } from '../../test/context';
import { buildRegistryRecord, buildSchool, buildSubmittedVersion, registryRowFor, type School } from '../../test/factories';
import { matchProfileVersion } from '../registry-matching';
import { daysLeft, reminderBucket, reminderDedupKey, sendReconfirmReminders } from './reminders';
import { reconfirmRequiredDedupKey, resetSemester } from './reset';
import { endOfChinaDay, parseOpenSemesterInput, SemesterInputError } from './semesters';

/**
 * On the shared test database every run here is scoped to the test's own school
 * (onlySchoolIds); the unscoped paths (opening, completion, the current semester)
 * are in semesters-whole-database.test.ts on a database of their own.
 */
let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.cleanup();
});

/** An approved student of `school` (submitted, then matched against its registry row). */
async function approvedStudent(school: School) {
  const built = await buildSubmittedVersion(ctx, { school, withOutbox: false });
  await buildRegistryRecord(ctx, registryRowFor(built));
  const result = await matchProfileVersion(ctx, built.version.id);
  expect(result).toMatchObject({ status: 'approved' });
  const [student] = await ctx.db.select().from(students).where(eq(students.id, built.student.id));
  return { ...built, student: student! };
}

/** A semester row written directly (no outbox row: nothing unscoped may run on the shared database). */
async function insertSemester(deadline: Date = new Date(Date.now() + 30 * 86_400_000)) {
  const [row] = await ctx.db
    .insert(semesters)
    .values({ name: `测试学期-${randomBytes(4).toString('hex')}`, reconfirmDeadline: deadline })
    .returning();
  return row!;
}

async function studentRow(id: string) {
  const [row] = await ctx.db.select().from(students).where(eq(students.id, id));
  return row!;
}

async function versionStatus(id: string) {
  const [row] = await ctx.db.select({ status: profileVersions.status }).from(profileVersions).where(eq(profileVersions.id, id));
  return row?.status;
}

describe('opening input', () => {
  test('When the deadline is a past date, not a date, or the name is empty, then a Chinese SemesterInputError says so', () => {
    const now = new Date('2026-11-29T04:00:00Z');
    expect(() => parseOpenSemesterInput({ name: '学期', deadline: '2026-11-28', now })).toThrow(/已经过去/);
    expect(() => parseOpenSemesterInput({ name: '学期', deadline: '2026-02-30', now })).toThrow(SemesterInputError);
    expect(() => parseOpenSemesterInput({ name: '  ', deadline: '2027-01-01', now })).toThrow(/学期名称/);
    expect(parseOpenSemesterInput({ name: ' 2026-2027学年 第二学期 ', deadline: '2026-11-29', now })).toEqual({
      name: '2026-2027学年 第二学期',
      deadline: new Date('2026-11-29T15:59:59.999Z'),
    });
  });
});

describe('semester reset (scoped to one school)', () => {
  test('When a semester resets, then approved students move to reconfirm_required in place, keep their card, and the family is notified', async () => {
    const school = await buildSchool(ctx.db);
    const a = await approvedStudent(school);
    const b = await approvedStudent(school);
    const reconfirmed = await approvedStudent(school);
    const revoked = await approvedStudent(school);
    await ctx.db.update(students).set({ cardRevokedAt: new Date() }).where(eq(students.id, revoked.student.id));
    const waiting = await buildSubmittedVersion(ctx, { school, withOutbox: false });
    const semester = await insertSemester();
    await ctx.db.update(students).set({ reconfirmedSemesterId: semester.id }).where(eq(students.id, reconfirmed.student.id));
    const approvedAfterOpening = await approvedStudent(school);

    const batches: number[] = [];
    const result = await resetSemester(ctx, semester.id, { onlySchoolIds: [school.id], batchSize: 1, onBatch: (p) => batches.push(p.moved) });

    expect(result).toMatchObject({ status: 'scoped_run_done', moved: 2 });
    expect(batches.at(-1)).toBe(2);
    for (const moved of [a, b]) {
      const student = await studentRow(moved.student.id);
      expect(student).toMatchObject({
        status: 'reconfirm_required',
        approvedVersionId: moved.version.id,
        cardNumber: moved.student.cardNumber,
        cardRevokedAt: null,
      });
      expect(student.cardNumber).toBeTruthy();
      // semester_reset applies to the latest version in place: no new version.
      expect(student.currentVersionId).toBe(moved.version.id);
      expect(await versionStatus(moved.version.id)).toBe('reconfirm_required');
      const [note] = await ctx.db
        .select()
        .from(notifications)
        .where(eq(notifications.dedupKey, reconfirmRequiredDedupKey(semester.id, moved.student.id)));
      expect(note).toMatchObject({
        accountId: moved.family.id,
        kind: 'reconfirm.required',
        pagePath: `pages/reconfirm/index?studentId=${moved.student.id}`,
        data: expect.objectContaining({ studentId: moved.student.id, semesterId: semester.id, semesterName: semester.name }),
      });
      expect(JSON.stringify(note!.data)).not.toContain(moved.residentId);
    }
    expect((await studentRow(reconfirmed.student.id)).status).toBe('approved');
    expect((await studentRow(revoked.student.id)).status).toBe('approved');
    expect((await studentRow(approvedAfterOpening.student.id)).status).toBe('approved');
    expect((await studentRow(waiting.student.id)).status).toBe('submitted');
    const [stored] = await ctx.db.select().from(semesters).where(eq(semesters.id, semester.id));
    expect(stored!.resetCompletedAt).toBeNull(); // a scoped run never completes the semester
  });

  test('When a reset is interrupted after a batch, then running it again moves only the rest, once each', async () => {
    const school = await buildSchool(ctx.db);
    const built = [];
    for (let i = 0; i < 5; i += 1) built.push(await approvedStudent(school));
    const semester = await insertSemester();

    await expect(
      resetSemester(ctx, semester.id, {
        onlySchoolIds: [school.id],
        batchSize: 2,
        onBatch: () => {
          throw new Error('crash after the first batch');
        },
      }),
    ).rejects.toThrow('crash');
    const afterCrash = await ctx.db
      .select({ id: students.id })
      .from(students)
      .where(and(inArray(students.id, built.map((b) => b.student.id)), eq(students.status, 'reconfirm_required')));
    expect(afterCrash).toHaveLength(2);

    const resumed = await resetSemester(ctx, semester.id, { onlySchoolIds: [school.id], batchSize: 2 });
    const again = await resetSemester(ctx, semester.id, { onlySchoolIds: [school.id], batchSize: 2 });

    expect(resumed).toMatchObject({ moved: 3, batches: 2 });
    expect(again).toMatchObject({ moved: 0, batches: 0 });
    const notes = await ctx.db.select().from(notifications).where(like(notifications.dedupKey, `reconfirm.required:${semester.id}:%`));
    expect(notes.map((n) => n.data)).toHaveLength(5);
  });

  test('When the semester does not exist, then the reset says so and changes nothing', async () => {
    expect(await resetSemester(ctx, '00000000-0000-4000-8000-000000000000')).toEqual({ status: 'semester_not_found' });
  });
});

describe('reconfirmation reminders', () => {
  test('Days left and buckets: 3–2 days → d3, 1–0 → d1, otherwise none (China calendar days)', () => {
    const deadline = endOfChinaDay({ year: 2027, month: 3, day: 15 });
    // 2027-03-12 00:30 China time is 2027-03-11 16:30 UTC: three China days left.
    expect(daysLeft(deadline, new Date('2027-03-11T16:30:00Z'))).toBe(3);
    expect(daysLeft(deadline, new Date('2027-03-11T15:30:00Z'))).toBe(4);
    expect([4, 3, 2, 1, 0, -1].map(reminderBucket)).toEqual([null, 'd3', 'd3', 'd1', 'd1', null]);
  });

  test('When students are still reconfirm_required 3 and 1 days before the deadline, then each gets one reminder per bucket', async () => {
    const school = await buildSchool(ctx.db);
    const a = await approvedStudent(school);
    const b = await approvedStudent(school);
    const deadline = endOfChinaDay({ year: 2099, month: 3, day: 15 });
    const semester = await insertSemester(deadline);
    const stillApproved = await approvedStudent(school); // approved after the opening: not reset, not reminded
    await resetSemester(ctx, semester.id, { onlySchoolIds: [school.id] });
    // b reconfirmed meanwhile (its new approval is the other engineers' path; here only the marker matters).
    await ctx.db.update(students).set({ reconfirmedSemesterId: semester.id }).where(eq(students.id, b.student.id));
    const at = (iso: string) => ({ now: new Date(iso), onlySchoolIds: [school.id], onlySemesterIds: [semester.id] });

    const early = await sendReconfirmReminders(ctx, at('2099-03-10T04:00:00Z')); // 5 days left
    const d3 = await sendReconfirmReminders(ctx, at('2099-03-12T01:00:00Z')); // 3 days left
    const d3again = await sendReconfirmReminders(ctx, at('2099-03-12T09:00:00Z'));
    const d2 = await sendReconfirmReminders(ctx, at('2099-03-13T01:00:00Z')); // 2 days: the d3 bucket, already sent
    const d1 = await sendReconfirmReminders(ctx, at('2099-03-14T01:00:00Z'));
    const late = await sendReconfirmReminders(ctx, at('2099-03-16T01:00:00Z'));

    expect(early.semesters).toEqual([]);
    expect(d3.semesters).toEqual([{ semesterId: semester.id, bucket: 'd3', daysLeft: 3, written: 1 }]);
    expect(d3again.semesters[0]!.written).toBe(0);
    expect(d2.semesters[0]).toMatchObject({ bucket: 'd3', written: 0 });
    expect(d1.semesters).toEqual([{ semesterId: semester.id, bucket: 'd1', daysLeft: 1, written: 1 }]);
    expect(late.semesters).toEqual([]);
    const notes = await ctx.db.select().from(notifications).where(like(notifications.dedupKey, `reconfirm.reminder:${semester.id}:%`));
    expect(notes.map((n) => n.dedupKey).sort()).toEqual(
      [reminderDedupKey(semester.id, a.student.id, 'd1'), reminderDedupKey(semester.id, a.student.id, 'd3')].sort(),
    );
    expect(notes[0]).toMatchObject({
      accountId: a.family.id,
      kind: 'reconfirm.reminder',
      pagePath: `pages/reconfirm/index?studentId=${a.student.id}`,
      data: expect.objectContaining({ deadline: '2099-03-15', semesterId: semester.id }),
    });
    expect((await studentRow(stillApproved.student.id)).status).toBe('approved');
  });
});
