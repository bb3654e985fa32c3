import { eq } from 'drizzle-orm';
import { isValidCardNumber, parseCardNumber } from '../../../domain/card/card-number';
import { notifications, profileVersions, students } from '../../db/schema';
import { createTestContext, type TestContext } from '../../test/context';
import { buildAccount, buildRegistryRecord, buildSchool, buildSubmittedVersion, randomStudentResidentId, registryRowFor } from '../../test/factories';
import { listRecentNotifications, writeNotification } from '../notifications/notifications';
import { matchProfileVersion } from '../registry-matching';
import { approveVersion, IdAlreadyApprovedError, issueCardNumber } from './review-approval';

jest.setTimeout(20_000);

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.cleanup();
});

async function studentOf(id: string) {
  const [row] = await ctx.db.select().from(students).where(eq(students.id, id));
  return row!;
}

describe('approveVersion', () => {
  test('When card numbers are issued, then they are valid, distinct, increasing and never reused after a rollback', async () => {
    const first = await issueCardNumber(ctx.db);
    await ctx.db
      .transaction(async (tx) => {
        await issueCardNumber(tx);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    const third = await issueCardNumber(ctx.db);

    expect(isValidCardNumber(first)).toBe(true);
    expect(first).toMatch(/^JY32\d{2}/);
    expect(parseCardNumber(third)!.sequence - parseCardNumber(first)!.sequence).toBeGreaterThanOrEqual(2);
  });

  test('When a student is approved a second time (a key-field change), then the card of the first approval is kept', async () => {
    const school = await buildSchool(ctx.db);
    const teacher = await buildAccount(ctx.db, { role: 'teacher', schoolId: school.id });
    const built = await buildSubmittedVersion(ctx, { school, headTeacherId: teacher.id, withOutbox: false });
    await buildRegistryRecord(ctx, registryRowFor(built));
    await matchProfileVersion(ctx, built.version.id);
    const card = (await studentOf(built.student.id)).cardNumber;

    // A second version pending review (as after a key-field change), approved by the teacher.
    const [second] = await ctx.db
      .insert(profileVersions)
      .values({ ...built.version, id: undefined, version: 2, status: 'pending_review' })
      .returning();
    await ctx.db.update(students).set({ currentVersionId: second!.id, status: 'pending_review' }).where(eq(students.id, built.student.id));
    await ctx.db.transaction((tx) => approveVersion(tx, second!, { kind: 'account', accountId: teacher.id, role: 'teacher' }));

    const student = await studentOf(built.student.id);
    expect(student).toMatchObject({ status: 'approved', approvedVersionId: second!.id, cardNumber: card });
    expect(isValidCardNumber(card!)).toBe(true);
    const rows = await ctx.db.select().from(notifications).where(eq(notifications.accountId, built.family.id));
    expect(rows.map((r) => [r.kind, (r.data as { cardNumber: string }).cardNumber])).toEqual([
      ['review.approved', card],
      ['review.approved', card],
    ]);
  });

  test('When two matches approve the same ID for two students at once, then one is approved and the other becomes a dispute', async () => {
    const school = await buildSchool(ctx.db);
    const teacher = await buildAccount(ctx.db, { role: 'teacher', schoolId: school.id });
    const residentId = randomStudentResidentId();
    const a = await buildSubmittedVersion(ctx, { school, headTeacherId: teacher.id, residentId, name: '周小川', withOutbox: false });
    const b = await buildSubmittedVersion(ctx, { school, klass: a.klass, residentId, name: '周小川', withOutbox: false });
    await buildRegistryRecord(ctx, registryRowFor(a, { guardianPhones: [a.familyPhone!, b.familyPhone!] }));

    const results = await Promise.allSettled([matchProfileVersion(ctx, a.version.id), matchProfileVersion(ctx, b.version.id)]);

    // The loser either saw the winner's approval (a dispute at once) or lost the unique index race
    // (IdAlreadyApprovedError: the job fails and its retry files the dispute).
    for (const [i, result] of results.entries()) {
      if (result.status === 'rejected') {
        expect(result.reason).toBeInstanceOf(IdAlreadyApprovedError);
        await matchProfileVersion(ctx, [a, b][i]!.version.id);
      }
    }
    const statuses = [(await studentOf(a.student.id)).status, (await studentOf(b.student.id)).status].sort();
    expect(statuses).toEqual(['approved', 'disputed']);
    const approved = await ctx.db.select().from(students).where(eq(students.residentIdIndex, a.student.residentIdIndex!));
    expect(approved.filter((s) => s.approvedVersionId !== null)).toHaveLength(1);
    expect(approved.filter((s) => s.cardNumber !== null)).toHaveLength(1);
  });
});

describe('the unique index race', () => {
  test('When an approval of the same ID commits while another waits on the unique index, then the other gets IdAlreadyApprovedError', async () => {
    const school = await buildSchool(ctx.db);
    const residentId = randomStudentResidentId();
    const a = await buildSubmittedVersion(ctx, { school, residentId, withOutbox: false });
    const b = await buildSubmittedVersion(ctx, { school, klass: a.klass, residentId, withOutbox: false });
    const matching = (built: typeof a) => ({ ...built.version, status: 'matching' });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let approvedA!: () => void;
    const aDone = new Promise<void>((resolve) => (approvedA = resolve));

    // A approves and keeps its transaction open; B passes the pre-check (A is not committed) and waits on the index.
    const first = ctx.db.transaction(async (tx) => {
      await approveVersion(tx, matching(a), { kind: 'system' });
      approvedA();
      await gate;
    });
    await aDone;
    const second = ctx.db.transaction((tx) => approveVersion(tx, matching(b), { kind: 'system' }));
    await new Promise((r) => setTimeout(r, 150));
    release();

    await first;
    await expect(second).rejects.toBeInstanceOf(IdAlreadyApprovedError);
    expect(await studentOf(b.student.id)).toMatchObject({ status: 'submitted', approvedVersionId: null, cardNumber: null });
    expect((await studentOf(a.student.id)).approvedVersionId).toBe(a.version.id);
  });
});

describe('notification rows', () => {
  test('When the same event is written twice, then one row is kept; the newest rows are listed first', async () => {
    const account = await buildAccount(ctx.db, { role: 'parent' });
    const key = `review.returned:${account.id}`;
    const input = { accountId: account.id, kind: 'review.returned' as const, dedupKey: key, data: { reason: '其他' }, pagePath: null };

    expect(await writeNotification(ctx.db, input)).toBe(true);
    expect(await writeNotification(ctx.db, { ...input, data: { reason: 'changed' } })).toBe(false);
    await writeNotification(ctx.db, { ...input, dedupKey: `${key}:2`, kind: 'review.approved' });

    // Other test files write rows at the same time: look at this account's among the newest.
    const recent = (await listRecentNotifications(ctx.db, 200)).filter((r) => r.accountId === account.id);
    expect(recent.map((r) => r.dedupKey)).toEqual([`${key}:2`, key]);
    expect(recent[1]!.data).toEqual({ reason: '其他' });
    expect(await listRecentNotifications(ctx.db, 0)).toHaveLength(1);
  });
});
