/**
 * Several processes at once, as production runs them: two API processes
 * (server/main.ts, what `npm run api` runs) and two worker processes
 * (jobs/main.ts) against one PostgreSQL and one Redis (the test's own
 * throw-away instances). A rush of submissions goes through both APIs over
 * HTTP; one worker is killed with SIGKILL while decisions and messages are
 * under way; the other takes over its jobs once their locks lapse. Then every
 * submission is decided exactly once and every family told exactly once.
 * Every wait is on state (rows, queue counts, messages at the fake WeChat).
 */
import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../../server/db/client';
import { QUEUE_NAMES } from '../../server/queues/queues';
import { countLiveWorkers } from '../../server/services/health/worker-heartbeat';
import { recordFigures } from '../../server/test/figures';
import { freePort } from '../../server/test/throwaway-postgres';
import {
  apiFamily,
  approvedCount,
  buildServerBundles,
  asBuilt,
  classroom,
  exactlyOnceReport,
  expectedExactlyOnce,
  messagesTo,
  startApiProcess,
  startFaultEnv,
  startWorkerProcess,
  waitUntil,
  type ApiProcess,
  type FaultEnv,
  type WorkerProcess,
} from '../faults/fault-support';

jest.setTimeout(240_000);

let fault: FaultEnv;
let bundles: string;
const processes: WorkerProcess[] = [];

beforeAll(async () => {
  // The processes run the production bundles (`npm run build:server`): four tsx compiles at once would dominate the test.
  bundles = buildServerBundles();
  fault = await startFaultEnv();
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await fault?.close();
  if (bundles) fs.rmSync(bundles, { recursive: true, force: true });
});

/** Nothing left to do anywhere: no outbox row unrelayed, no delivery unfinished, no job waiting, active or delayed. */
async function drained(): Promise<boolean> {
  const [row] = rowsOf<{ n: number }>(
    await fault.ctx.db.execute(sql`select
      (select count(*) from outbox where dispatched_at is null)
      + (select count(*) from message_deliveries where status in ('queued', 'sending')) as n`),
  );
  if (Number(row!.n) !== 0) return false;
  for (const queue of [QUEUE_NAMES.registryMatch, QUEUE_NAMES.notifications]) {
    const counts = await fault.ctx.queues[queue].getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
    if (Object.values(counts).some((n) => n > 0)) return false;
  }
  return true;
}

test('Given 2 API and 2 worker processes on one PostgreSQL and Redis, when a rush goes through both APIs and one worker is killed with SIGKILL in the middle, then every submission is decided exactly once and every family told once', async () => {
  const N = Number(process.env.SCALE_SUBMISSIONS ?? 120);
  const t0 = Date.now();
  const room = await classroom(fault.ctx);
  const families: Awaited<ReturnType<typeof apiFamily>>[] = [];
  while (families.length < N) families.push(...(await Promise.all(Array.from({ length: Math.min(10, N - families.length) }, () => apiFamily(fault.ctx, room)))));

  const seeded = Date.now();
  const workers = [startWorkerProcess(fault, { bundles }), startWorkerProcess(fault, { bundles })];
  processes.push(...workers);
  const apis: ApiProcess[] = await Promise.all([startApiProcess(fault, await freePort(), { bundles }), startApiProcess(fault, await freePort(), { bundles })]);
  processes.push(...apis);
  await waitUntil(async () => (await countLiveWorkers(fault.ctx.redis, fault.ctx.config.QUEUE_PREFIX)) >= 2, 60_000, 'both workers to beat', 100);

  const started = Date.now();
  // The rush: 8 clients at once, alternating between the two APIs.
  const versionIds = new Map<string, string>();
  const statuses: number[] = [];
  const servedBy = [0, 0];
  let next = 0;
  const rush = Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < N) {
        const i = next++;
        const f = families[i]!;
        const res = await fetch(`${apis[i % 2]!.url}/api/students/${f.studentId}/submissions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${f.token}` },
          body: JSON.stringify(f.body),
        });
        statuses.push(res.status);
        const body = (await res.json()) as { versionId?: string };
        if (res.status === 201 && body.versionId) {
          versionIds.set(f.studentId, body.versionId);
          servedBy[i % 2]! += 1;
        }
      }
    }),
  );
  const built = () => families.filter((f) => versionIds.has(f.studentId)).map((f) => asBuilt(f, versionIds.get(f.studentId)!));

  // Kill one worker once it is busy: some decided, messages going out, submissions still arriving.
  const victim = workers[0]!;
  const survivor = workers[1]!;
  await waitUntil(async () => (await approvedCount(fault.ctx, [...versionIds.values()])) >= Math.floor(N / 5), 120_000, 'the first decisions', 50);
  await victim.kill9();
  const decidedAtKill = await approvedCount(fault.ctx, [...versionIds.values()]);
  await rush;
  const rushed = Date.now();

  expect(statuses.filter((s) => s !== 201)).toEqual([]);
  expect(versionIds.size).toBe(N);
  expect(servedBy[0]).toBeGreaterThan(0);
  expect(servedBy[1]).toBeGreaterThan(0);
  expect((await victim.exit).signal).toBe('SIGKILL');

  const all = built();
  const ids = all.map((b) => b.version.id);
  const ms = await waitUntil(
    async () => (await approvedCount(fault.ctx, ids)) === N && (await messagesTo(fault, all)) >= N && (await drained()),
    150_000,
    `${N} decisions and messages, and nothing left in flight`,
    250,
    () => exactlyOnceReport(fault, all),
  );
  expect(await exactlyOnceReport(fault, all)).toEqual(expectedExactlyOnce(N));
  // The survivor did the rest and is still running.
  expect(await Promise.race([survivor.exit.then(() => 'exited'), Promise.resolve('running')])).toBe('running');
  recordFigures('multi-process', { submissions: N, decidedWhenKilled: decidedAtKill, secondsToDrain: Math.round(ms / 100) / 10 });
  // eslint-disable-next-line no-console
  console.log(`2 APIs (${servedBy.join(' + ')} submissions) and 2 workers: ${decidedAtKill}/${N} decided when one worker was killed; all decided and told exactly once ${(ms / 1000).toFixed(1)} s after the rush (seeding ${((seeded - t0) / 1000).toFixed(1)} s, 4 processes up ${((started - seeded) / 1000).toFixed(1)} s, rush ${((rushed - started) / 1000).toFixed(1)} s)`);
});
