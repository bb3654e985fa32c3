/**
 * The outbox module: what a producer writes (one row, many rows, a CTE of a
 * larger statement, delivery jobs) and what the relay makes of each row.
 */
import { randomUUID } from 'node:crypto';
import { inArray, sql } from 'drizzle-orm';
import { rowsOf } from '../db/client';
import { outbox } from '../db/schema';
import { createTestContext, type TestContext } from '../test/context';
import { outboxInsert, outboxJobId, relayedJob, writeDeliveries, writeOutboxRows } from './outbox';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.cleanup();
});

const outboxRows = (ids: number[]) => ctx.db.select().from(outbox).where(inArray(outbox.id, ids)).orderBy(outbox.id);

test('outboxInsert is one CTE of a data-modifying statement: the row commits with the statement, named by its job and queue', async () => {
  const versionId = randomUUID();
  const result = await ctx.db.execute(sql`
    with outbox_row as (${outboxInsert('registry-match', { profileVersionId: versionId })} returning id)
    select id from outbox_row`);
  const id = Number(rowsOf<{ id: string }>(result)[0]!.id);

  const [row] = await outboxRows([id]);
  expect(row).toMatchObject({ queue: 'registry-match', job: 'registry-match', payload: { profileVersionId: versionId }, dispatchedAt: null });
  expect(relayedJob(row!)).toEqual({ queue: 'registry-match', name: 'registry-match', data: { profileVersionId: versionId }, opts: { jobId: outboxJobId(id) } });
});

test('A payload outside its job\'s contract is refused before anything is written', () => {
  expect(() => outboxInsert('registry-match', { profileVersionId: 'not-a-uuid' })).toThrow();
});

test('writeDeliveries gives each row its deliver-notification job, or with batchSize shares deliver-notifications jobs', async () => {
  const ids = Array.from({ length: 5 }, () => randomUUID());
  const single = await writeDeliveries(ctx.db, ids.slice(0, 2));
  const batched = await writeDeliveries(ctx.db, ids, { batchSize: 2 });

  expect((await outboxRows(single)).map((r) => [r.job, r.payload])).toEqual(ids.slice(0, 2).map((notificationId) => ['deliver-notification', { notificationId }]));
  expect((await outboxRows(batched)).map((r) => [r.queue, r.job, (r.payload as { notificationIds: string[] }).notificationIds])).toEqual([
    ['notifications', 'deliver-notifications', ids.slice(0, 2)],
    ['notifications', 'deliver-notifications', ids.slice(2, 4)],
    ['notifications', 'deliver-notifications', ids.slice(4)],
  ]);
});

test('Rows named only by their queue (SQL triggers) are jobs of that name; a job on another queue than its own is not relayed', async () => {
  const [trigger] = await writeOutboxRows(ctx.db, [{ job: 'console-stats', payload: { classIds: [randomUUID()] } }]);
  const [row] = await outboxRows([trigger!]);
  expect(relayedJob({ ...row!, job: null })?.name).toBe('console-stats');
  expect(relayedJob({ ...row!, queue: 'digests' })).toBeUndefined();
  expect(relayedJob({ ...row!, job: 'no-such-job' })).toBeUndefined();
});
