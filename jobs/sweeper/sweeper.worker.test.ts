import { and, eq, sql } from 'drizzle-orm';
import { QUEUE_NAMES } from '../../domain/jobs/payloads';
import { auditLog, outbox, profileVersions, students } from '../../server/db/schema';
import { writeOutbox } from '../../server/outbox/outbox';
import { sweepStuckVersions } from '../../server/services/registry-matching/sweeper';
import { createTestContext, type TestContext } from '../../server/test/context';
import { buildRegistryRecord, buildSubmittedVersion, registryRowFor, type BuiltSubmission } from '../../server/test/factories';
import { relayOnce } from '../outbox-relay/outbox-relay';
import { registryMatchProcessor } from '../registry-matching/registry-match.worker';
import { JOB_SCHEDULES, upsertJobSchedulers } from '../schedules/schedulers';
import { sweeperProcessor } from './sweeper.worker';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.cleanup();
});

/**
 * A submitted version whose status changed `ageS` seconds ago, with one registry-match outbox row: dispatched
 * 10 minutes ago without a job (lost), or still pending with `pendingRow`. The row is written here rather than
 * by the factory, so a relay of another test file never sees a pending row of ours to deliver.
 */
async function stuckVersion(options: { ageS?: number; pendingRow?: boolean; status?: 'submitted' | 'matching' } = {}): Promise<BuiltSubmission> {
  const built = await buildSubmittedVersion(ctx, { withOutbox: false });
  await buildRegistryRecord(ctx, registryRowFor(built));
  await ctx.db
    .update(profileVersions)
    .set({
      statusChangedAt: sql`now() - make_interval(secs => ${options.ageS ?? 600})`,
      ...(options.status ? { status: options.status } : {}),
    })
    .where(eq(profileVersions.id, built.version.id));
  if (options.status) await ctx.db.update(students).set({ status: options.status }).where(eq(students.id, built.student.id));
  const [row] = await ctx.db
    .insert(outbox)
    .values({
      queue: 'registry-match',
      payload: { profileVersionId: built.version.id },
      ...(options.pendingRow
        ? { availableAt: sql`now() + interval '1 hour'` }
        : { createdAt: sql`now() - interval '10 minutes'`, dispatchedAt: sql`now() - interval '10 minutes'` }),
    })
    .returning({ id: outbox.id });
  return { ...built, outboxId: row!.id };
}

async function outboxRowsOf(versionId: string) {
  return ctx.db
    .select()
    .from(outbox)
    .where(and(eq(outbox.queue, QUEUE_NAMES.registryMatch), sql`${outbox.payload}->>'profileVersionId' = ${versionId}`))
    .orderBy(outbox.id);
}

async function versionStatus(id: string): Promise<string | undefined> {
  const [row] = await ctx.db.select({ status: profileVersions.status }).from(profileVersions).where(eq(profileVersions.id, id));
  return row?.status;
}

describe('sweeper', () => {
  test('When a version’s match job was lost, then one sweep, the relay and the matcher approve it', async () => {
    const built = await stuckVersion();

    const swept = await sweepStuckVersions(ctx, { onlyVersionIds: [built.version.id] });

    expect(swept.requeued).toEqual([
      { profileVersionId: built.version.id, studentId: built.student.id, from: 'submitted', outboxId: expect.any(Number) },
    ]);
    const newRow = swept.requeued[0]!.outboxId;
    const relayed = await relayOnce(ctx, { onlyIds: [newRow] });
    expect(relayed.relayed).toEqual([newRow]);
    const job = await ctx.queues['registry-match'].getJob(`outbox-${newRow}`);
    expect(job?.data).toEqual({ profileVersionId: built.version.id });
    const result = await registryMatchProcessor(ctx)(job!);
    expect(result).toMatchObject({ changed: true, outcome: 'matched', status: 'approved' });
    expect(await versionStatus(built.version.id)).toBe('approved');
    const audits = await ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.subjectId, built.version.id), eq(auditLog.action, 'review.match_requeued')));
    expect(audits).toHaveLength(1);
  });

  test('When the sweep runs again, then no second outbox row is written (the first is pending, then recent)', async () => {
    const built = await stuckVersion();

    const first = await sweepStuckVersions(ctx, { onlyVersionIds: [built.version.id] });
    const again = await sweepStuckVersions(ctx, { onlyVersionIds: [built.version.id] });
    await relayOnce(ctx, { onlyIds: first.requeued.map((r) => r.outboxId) });
    const afterRelay = await sweepStuckVersions(ctx, { onlyVersionIds: [built.version.id] });

    expect(first).toMatchObject({ found: 1, skipped: 0 });
    expect(first.requeued).toHaveLength(1);
    expect(again).toEqual({ found: 0, requeued: [], skipped: 0 });
    expect(afterRelay.found).toBe(0);
    expect(await outboxRowsOf(built.version.id)).toHaveLength(2);
  });

  test('When a version still has its undispatched outbox row, or is younger than MATCH_STUCK_AFTER_S, then it is left alone', async () => {
    const pending = await stuckVersion({ pendingRow: true });
    const young = await stuckVersion({ ageS: 30 });

    const swept = await sweepStuckVersions(ctx, { onlyVersionIds: [pending.version.id, young.version.id] });

    expect(swept.found).toBe(0);
    expect(await outboxRowsOf(pending.version.id)).toHaveLength(1);
    expect(await outboxRowsOf(young.version.id)).toHaveLength(1);
  });

  test('When a version was left in matching, then match_retry takes it back to submitted (student too) before the new row', async () => {
    const built = await stuckVersion({ status: 'matching' });

    const swept = await sweepStuckVersions(ctx, { onlyVersionIds: [built.version.id] });

    expect(swept.requeued).toEqual([expect.objectContaining({ from: 'matching' })]);
    const [version] = await ctx.db.select().from(profileVersions).where(eq(profileVersions.id, built.version.id));
    expect(version!.status).toBe('submitted');
    expect(version!.statusChangedAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
    const [student] = await ctx.db.select().from(students).where(eq(students.id, built.student.id));
    expect(student!.status).toBe('submitted');
    expect(await outboxRowsOf(built.version.id)).toHaveLength(2);
  });

  test('When versions are decided, or were re-queued too often, then the sweep skips them; the batch size bounds a run', async () => {
    const decided = await stuckVersion();
    await ctx.db.update(profileVersions).set({ status: 'pending_review' }).where(eq(profileVersions.id, decided.version.id));
    const poison = await stuckVersion();
    await ctx.db.transaction(async (tx) => {
      for (let i = 0; i < 3; i += 1) await writeOutbox(tx, 'registry-match', { profileVersionId: poison.version.id });
    });
    await ctx.db
      .update(outbox)
      .set({ dispatchedAt: sql`now() - interval '10 minutes'`, createdAt: sql`now() - interval '10 minutes'` })
      .where(sql`${outbox.payload}->>'profileVersionId' = ${poison.version.id}`);
    const many = await Promise.all([stuckVersion(), stuckVersion(), stuckVersion()]);
    const manyIds = many.map((b) => b.version.id);

    const skipped = await sweepStuckVersions(ctx, { onlyVersionIds: [decided.version.id, poison.version.id], maxRequeues: 2 });
    const bounded = await sweepStuckVersions(ctx, { onlyVersionIds: manyIds, batchSize: 2 });
    const rest = await sweepStuckVersions(ctx, { onlyVersionIds: manyIds, batchSize: 2 });

    expect(skipped.found).toBe(0);
    expect(bounded.requeued).toHaveLength(2);
    expect(rest.requeued).toHaveLength(1);
    const rows = await ctx.db
      .select({ id: outbox.id })
      .from(outbox)
      .where(and(isNullDispatched(), sql`${outbox.payload}->>'profileVersionId' = any(${sql.param(manyIds)}::text[])`));
    expect(rows).toHaveLength(3);
  });

  test('When the sweeper job runs, then it returns counts (the processor scoped like the service)', async () => {
    const built = await stuckVersion();
    const result = await sweeperProcessor(ctx, { onlyVersionIds: [built.version.id] })({ id: 'test' });
    expect(result).toEqual({ found: 1, requeued: 1, skipped: 0 });
  });
});

function isNullDispatched() {
  return sql`${outbox.dispatchedAt} is null`;
}

describe('job schedulers', () => {
  test('When the schedulers are upserted at every start, then each queue keeps exactly one scheduler with its timing', async () => {
    await upsertJobSchedulers(ctx.queues);
    await upsertJobSchedulers(ctx.queues);

    for (const schedule of JOB_SCHEDULES) {
      const list = await ctx.queues[schedule.queue].getJobSchedulers();
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({ key: schedule.id, ...schedule.repeat });
    }
    const sweeper = (await ctx.queues.sweeper.getJobSchedulers())[0]!;
    expect(sweeper.every).toBe(60_000);
    const reminders = (await ctx.queues.reminders.getJobSchedulers())[0]!;
    expect(reminders).toMatchObject({ pattern: '0 9 * * *', tz: 'Asia/Shanghai' });
    // Removing them leaves the queues clean for cleanup() (and proves the ids).
    for (const schedule of JOB_SCHEDULES) expect(await ctx.queues[schedule.queue].removeJobScheduler(schedule.id)).toBe(true);
  });
});
