import { randomUUID } from 'node:crypto';
import { inArray } from 'drizzle-orm';
import { outbox } from '../../server/db/schema';
import { outboxJobId, writeOutbox } from '../../server/outbox/outbox';
import { createQueues } from '../../server/queues/queues';
import { Redis } from 'ioredis';
import { createTestContext, type TestContext } from '../../server/test/context';
import { OutboxRelay, OutboxRelayError, UNKNOWN_QUEUE_RETRY_MS, relayOnce } from './outbox-relay';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.cleanup();
});

/** Pending registry-match rows owned by one test. */
async function writeRows(count: number): Promise<number[]> {
  const ids: number[] = [];
  await ctx.db.transaction(async (tx) => {
    for (let i = 0; i < count; i += 1) ids.push(await writeOutbox(tx, 'registry-match', { profileVersionId: randomUUID() }));
  });
  return ids;
}

async function rowsOf(ids: number[]) {
  return ctx.db.select().from(outbox).where(inArray(outbox.id, ids)).orderBy(outbox.id);
}

describe('outbox relay', () => {
  test('When rows are pending, then each is added once with job id outbox-<id> and marked dispatched', async () => {
    const ids = await writeRows(3);

    const first = await relayOnce(ctx, { onlyIds: ids });
    const second = await relayOnce(ctx, { onlyIds: ids });

    expect(first.relayed).toEqual(ids);
    expect(second).toEqual({ claimed: 0, relayed: [], parked: [] });
    const rows = await rowsOf(ids);
    expect(rows.every((r) => r.dispatchedAt instanceof Date && r.attempts === 0 && r.lastError === null)).toBe(true);
    for (const row of rows) {
      const job = await ctx.queues['registry-match'].getJob(outboxJobId(row.id));
      expect(job?.data).toEqual(row.payload);
      expect(job?.name).toBe('registry-match');
      expect(job?.opts.attempts).toBe(8); // the queue's default job options apply
    }
  });

  test('When a queue carries two kinds of job, then each row becomes a job of its own name, and a delayed row waits for its time', async () => {
    const [one, many, later] = await ctx.db.transaction(async (tx) => [
      await writeOutbox(tx, 'deliver-notification', { notificationId: randomUUID() }),
      await writeOutbox(tx, 'deliver-notifications', { notificationIds: [randomUUID(), randomUUID()] }),
      await writeOutbox(tx, 'deliver-notification', { notificationId: randomUUID() }, { availableAt: new Date(Date.now() + 60_000) }),
    ]);

    const result = await relayOnce(ctx, { onlyIds: [one, many, later] });

    expect(result.relayed).toEqual([one, many]);
    const jobs = await Promise.all([one, many].map((id) => ctx.queues.notifications.getJob(outboxJobId(id))));
    expect(jobs.map((j) => j?.name)).toEqual(['deliver-notification', 'deliver-notifications']);
    expect((await rowsOf([later]))[0]!.dispatchedAt).toBeNull();
  });

  test('When a row names a job its queue does not carry, then it is parked like an unknown queue', async () => {
    const [row] = await ctx.db
      .insert(outbox)
      .values({ queue: 'notifications', job: 'deliver-everything', payload: { notificationId: randomUUID() } })
      .returning({ id: outbox.id });

    expect(await relayOnce(ctx, { onlyIds: [row!.id] })).toEqual({ claimed: 1, relayed: [], parked: [row!.id] });
    expect((await rowsOf([row!.id]))[0]!.lastError).toBe('unknown job "deliver-everything" of queue "notifications"');
  });

  test('A payload that breaks its job\'s contract is refused when written, not when relayed', async () => {
    await expect(ctx.db.transaction((tx) => writeOutbox(tx, 'deliver-notifications', { notificationIds: [] }))).rejects.toThrow();
  });

  test('When a row is relayed again after a crash before commit, then BullMQ keeps the one job', async () => {
    const [id] = await writeRows(1);
    await relayOnce(ctx, { onlyIds: [id!] });
    // The crash window: the add reached Redis, the commit did not.
    await ctx.db.update(outbox).set({ dispatchedAt: null }).where(inArray(outbox.id, [id!]));

    const again = await relayOnce(ctx, { onlyIds: [id!] });

    expect(again.relayed).toEqual([id]);
    const jobs = await ctx.queues['registry-match'].getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
    expect(jobs.filter((j) => j.id === outboxJobId(id!))).toHaveLength(1);
  });

  test('When two relays run at once on 300 rows, then 300 jobs are added and no row is relayed twice', async () => {
    const ids = await writeRows(300);
    const relayedBy: number[][] = [[], []];
    const drain = async (slot: 0 | 1) => {
      for (;;) {
        const result = await relayOnce(ctx, { onlyIds: ids, batchSize: 25 });
        relayedBy[slot]!.push(...result.relayed);
        if (result.claimed === 0) return;
      }
    };

    await Promise.all([drain(0), drain(1)]);

    const all = [...relayedBy[0]!, ...relayedBy[1]!];
    expect(all).toHaveLength(300);
    expect(new Set(all).size).toBe(300);
    expect(relayedBy[0]!.length).toBeGreaterThan(0);
    expect(relayedBy[1]!.length).toBeGreaterThan(0);
    const jobIds = new Set(
      (await ctx.queues['registry-match'].getJobs(['waiting', 'delayed', 'active', 'completed', 'failed'])).map((j) => j.id),
    );
    expect(ids.every((id) => jobIds.has(outboxJobId(id)))).toBe(true);
    expect((await rowsOf(ids)).every((r) => r.dispatchedAt !== null)).toBe(true);
  });

  test('When Redis is unavailable, then rows stay pending with attempts counted, and are relayed once it answers', async () => {
    const ids = await writeRows(2);
    const deadRedis = unreachableRedis();
    const deadQueues = createQueues(deadRedis, ctx.config.QUEUE_PREFIX);
    try {
      const down = { ...ctx, queues: deadQueues };
      await expect(relayOnce(down, { onlyIds: ids, enqueueTimeoutMs: 300 })).rejects.toBeInstanceOf(OutboxRelayError);
      await expect(relayOnce(down, { onlyIds: ids, enqueueTimeoutMs: 300 })).rejects.toThrow(/did not finish/);

      const pending = await rowsOf(ids);
      expect(pending.map((r) => [r.dispatchedAt, r.attempts])).toEqual([
        [null, 2],
        [null, 2],
      ]);
      expect(pending[0]!.lastError).toMatch(/did not finish within 300 ms/);

      const up = await relayOnce(ctx, { onlyIds: ids });
      expect(up.relayed).toEqual(ids);
      expect((await rowsOf(ids)).every((r) => r.dispatchedAt !== null)).toBe(true);
      expect(await ctx.queues['registry-match'].getJob(outboxJobId(ids[0]!))).toBeDefined();
    } finally {
      await Promise.all(Object.values(deadQueues).map((q) => q.close()));
      deadRedis.disconnect();
    }
  });

  test('When a row names an unknown queue, then it is parked with last_error and the rest of the batch is relayed', async () => {
    const [known] = await writeRows(1);
    const [unknown] = await ctx.db
      .insert(outbox)
      .values({ queue: 'no-such-queue', payload: { x: 1 } })
      .returning({ id: outbox.id });

    const result = await relayOnce(ctx, { onlyIds: [known!, unknown!.id] });

    expect(result).toEqual({ claimed: 2, relayed: [known], parked: [unknown!.id] });
    const [, parked] = await rowsOf([known!, unknown!.id]);
    expect(parked!.dispatchedAt).toBeNull();
    expect(parked!.attempts).toBe(1);
    expect(parked!.lastError).toBe('unknown queue "no-such-queue"');
    const parkedForMs = parked!.availableAt.getTime() - Date.now();
    expect(parkedForMs).toBeGreaterThan(UNKNOWN_QUEUE_RETRY_MS - 60_000);
    expect((await relayOnce(ctx, { onlyIds: [unknown!.id] })).claimed).toBe(0);
  });

  test('When the loop runs through an outage, then it keeps retrying, relays the rows once Redis answers and stops cleanly', async () => {
    const deadRedis = unreachableRedis();
    const deadQueues = createQueues(deadRedis, ctx.config.QUEUE_PREFIX);
    const ids = await writeRows(5);
    const failing = new OutboxRelay({ ...ctx, queues: deadQueues }, { onlyIds: ids, pollMs: 20, enqueueTimeoutMs: 100 });
    failing.start();
    await waitFor(async () => (await rowsOf(ids)).every((r) => r.attempts >= 2));
    await failing.stop();
    await Promise.all(Object.values(deadQueues).map((q) => q.close()));
    deadRedis.disconnect();

    const relay = new OutboxRelay(ctx, { onlyIds: ids, pollMs: 20, batchSize: 2 });
    relay.start();
    await waitFor(async () => (await rowsOf(ids)).every((r) => r.dispatchedAt !== null));
    await relay.stop();

    expect((await rowsOf(ids)).every((r) => r.dispatchedAt !== null)).toBe(true);
  });
});

/**
 * A producer connection (the options of createRedis(url, 'producer')) to a port
 * where nothing listens. disconnectTimeout is short because ioredis 6 arms a
 * 2-second timer when disconnecting a socket that has already closed, which
 * would keep jest alive after the run.
 */
function unreachableRedis(): Redis {
  const redis = new Redis('redis://127.0.0.1:1', {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(200 * times, 2_000),
    disconnectTimeout: 10,
  });
  redis.on('error', () => undefined);
  return redis;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
