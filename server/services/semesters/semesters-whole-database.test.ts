import { eq } from 'drizzle-orm';
import { auditLog, outbox, semesters, students } from '../../db/schema';
import { createScratchTestContext } from '../../test/scratch-database';
import type { TestContext } from '../../test/context';
import { buildRegistryRecord, buildSchool, buildSubmittedVersion, registryRowFor } from '../../test/factories';
import { matchProfileVersion } from '../registry-matching';
import { resetSemester } from './reset';
import { currentSemester, openSemester } from './semesters';

/** What works on the whole database (opening, completion, "the current semester"), on a database of its own. */
let ctx: TestContext;

beforeAll(async () => {
  ctx = await createScratchTestContext();
});

afterAll(async () => {
  await ctx.cleanup();
});

async function approvedStudent() {
  const built = await buildSubmittedVersion(ctx, { school: await buildSchool(ctx.db), withOutbox: false });
  await buildRegistryRecord(ctx, registryRowFor(built));
  expect(await matchProfileVersion(ctx, built.version.id)).toMatchObject({ status: 'approved' });
  return built;
}

async function studentRow(id: string) {
  const [row] = await ctx.db.select().from(students).where(eq(students.id, id));
  return row!;
}

describe('semesters on a whole database', () => {
  test('When no semester was ever opened, then an approval records no reconfirmation', async () => {
    const built = await approvedStudent();
    expect(await currentSemester(ctx.db)).toBeNull();
    expect((await studentRow(built.student.id)).reconfirmedSemesterId).toBeNull();
  });

  test('When a semester is opened, then it is recorded with its reset outbox row; opening the name again changes nothing', async () => {
    const first = await openSemester(ctx, { name: '2026-2027学年第二学期', deadline: '2099-03-15', openedBy: 'cli:test' });
    const again = await openSemester(ctx, { name: ' 2026-2027学年第二学期 ', deadline: '2099-04-01' });

    expect(first).toMatchObject({ created: true, semester: { name: '2026-2027学年第二学期', openedBy: 'cli:test', resetCompletedAt: null } });
    expect(first.semester.reconfirmDeadline.toISOString()).toBe('2099-03-15T15:59:59.999Z');
    expect(again).toEqual({ created: false, semester: first.semester });
    const rows = await ctx.db.select().from(outbox).where(eq(outbox.queue, 'semester-reset'));
    expect(rows.map((r) => r.payload)).toEqual([{ semesterId: first.semester.id }]);
    expect(await ctx.db.select().from(auditLog).where(eq(auditLog.action, 'semester.opened'))).toHaveLength(1);
    expect((await currentSemester(ctx.db))!.id).toBe(first.semester.id);
  });

  test('When the whole reset runs, then it completes the semester once; a reconfirmed student is not moved', async () => {
    const moved = await approvedStudent();
    const opened = await openSemester(ctx, { name: '2027-2028学年第一学期', deadline: '2099-09-30' });
    if (!opened.created) throw new Error('expected a new semester');
    // Approved once the semester is open: the approval records the reconfirmation for it.
    const reconfirmed = await approvedStudent();
    expect((await studentRow(reconfirmed.student.id)).reconfirmedSemesterId).toBe(opened.semester.id);
    expect((await studentRow(moved.student.id)).reconfirmedSemesterId).not.toBe(opened.semester.id);

    const result = await resetSemester(ctx, opened.semester.id, { batchSize: 1 });
    const again = await resetSemester(ctx, opened.semester.id);

    expect(result).toMatchObject({ status: 'completed' });
    expect(again).toMatchObject({ status: 'already_completed' });
    expect((await studentRow(moved.student.id)).status).toBe('reconfirm_required');
    expect((await studentRow(reconfirmed.student.id)).status).toBe('approved');
    const [semester] = await ctx.db.select().from(semesters).where(eq(semesters.id, opened.semester.id));
    expect(semester!.resetCompletedAt).toBeInstanceOf(Date);
    expect(await ctx.db.select().from(auditLog).where(eq(auditLog.action, 'semester.reset_completed'))).toHaveLength(1);
  });
});
