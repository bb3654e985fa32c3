/**
 * The console's statistics end to end: decisions → the students triggers'
 * outbox rows → the outbox relay → the console-stats worker → the aggregate
 * rows, a moment later; and a re-delivered job changes nothing.
 */
import { UnrecoverableError } from 'bullmq';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { consoleClassStats, consoleSchoolStats, outbox } from '../../server/db/schema';
import { matchProfileVersion } from '../../server/services/registry-matching';
import { createTestContext, type TestContext } from '../../server/test/context';
import { buildAccount, buildClass, buildRegistryRecord, buildSchool, buildSubmittedVersion, registryRowFor } from '../../server/test/factories';
import { startWorkers } from '../main';
import { consoleStatsProcessor } from './console-stats.worker';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.cleanup();
});

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in time (last value: ${JSON.stringify(value)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function statsOutboxRows(classId: string): Promise<number[]> {
  const rows = await ctx.db
    .select({ id: outbox.id })
    .from(outbox)
    .where(and(eq(outbox.queue, 'console-stats'), isNull(outbox.dispatchedAt), sql`${outbox.payload}->'classIds' ? ${classId}`));
  return rows.map((r) => r.id);
}

test('When submissions are matched, then the relay and the console-stats worker bring the class and school rows up to date', async () => {
  const school = await buildSchool(ctx.db);
  const teacher = await buildAccount(ctx.db, { role: 'teacher', schoolId: school.id });
  const klass = await buildClass(ctx.db, { schoolId: school.id, grade: 'P2', headTeacherId: teacher.id });
  const approved = await buildSubmittedVersion(ctx, { school, klass, withOutbox: false });
  await buildRegistryRecord(ctx, registryRowFor(approved));
  const pending = await buildSubmittedVersion(ctx, { school, klass, withOutbox: false });
  await buildRegistryRecord(ctx, registryRowFor(pending, { name: `${pending.name}某` }));
  await matchProfileVersion(ctx, approved.version.id);
  await matchProfileVersion(ctx, pending.version.id);
  const rows = await statsOutboxRows(klass.id);
  expect(rows.length).toBeGreaterThanOrEqual(3); // two inserts of students, and the decisions

  const workers = await startWorkers(ctx, { relay: { onlyIds: rows, pollMs: 20 } });
  try {
    const stats = await waitFor(
      async () => (await ctx.db.select().from(consoleClassStats).where(eq(consoleClassStats.classId, klass.id)))[0],
      (row) => row?.approved === 1 && row.pendingReview === 1,
    );
    expect(stats).toMatchObject({ schoolId: school.id, grade: 'P2', registered: 2, submitted: 2, autoApproved: 1, pendingReview: 1, returned: 0, approved: 1 });
    expect(stats!.oldestPendingSince).toBeInstanceOf(Date);
    const schoolRow = await waitFor(
      async () => (await ctx.db.select().from(consoleSchoolStats).where(eq(consoleSchoolStats.schoolId, school.id)))[0],
      (row) => row?.pendingReview === 1,
    );
    expect(schoolRow).toMatchObject({ classes: 1, registered: 2, approved: 1, autoApproved: 1 });
  } finally {
    await workers.close();
  }

  // A re-delivered job recomputes the same numbers.
  const before = (await ctx.db.select().from(consoleClassStats).where(eq(consoleClassStats.classId, klass.id)))[0]!;
  const process = consoleStatsProcessor(ctx);
  expect(await process({ id: 'again', data: { classIds: [klass.id] } })).toEqual({ classes: 1, schools: 1 });
  const after = (await ctx.db.select().from(consoleClassStats).where(eq(consoleClassStats.classId, klass.id)))[0]!;
  expect({ ...after, updatedAt: null }).toEqual({ ...before, updatedAt: null });
});

test('When a job carries no valid class ids, then it fails for good', async () => {
  const process = consoleStatsProcessor(ctx);
  await expect(process({ id: 'bad', data: { classIds: ['not-a-uuid'] } })).rejects.toBeInstanceOf(UnrecoverableError);
});
