/**
 * Faults delay work but lose and duplicate nothing (issue 8 §1). On a
 * PostgreSQL and a Redis of this test's own (throw-away instances it stops and
 * restarts), with the real worker process (`jobs/main.ts` as a child) and the
 * API in this process:
 *
 * 1. kill -9 the worker in the middle of 500 submissions, start it again →
 *    every submission decided exactly once, one message per family;
 * 2. Redis gone while families submit → every submission accepted (the outbox
 *    is in PostgreSQL), all decided once Redis is back (empty, as after a crash);
 * 3. PostgreSQL restarted during traffic → the API answers 503 (never 500)
 *    meanwhile, recovers by itself, nothing lost;
 * 4. WeChat answering 5xx and timing out for a while → messages delayed, then
 *    delivered exactly once.
 *
 * Each scenario uses a school and families of its own and its own worker
 * process; the scenarios run one after the other on the same instances.
 */
import request from 'supertest';
import type { BuiltSubmission } from '../../server/test/factories';
import { createApp } from '../../server/http/app';
import { recordFigures } from '../../server/test/figures';
import {
  apiFamily as apiFamilyOf,
  approvedCount,
  asBuilt,
  classroom,
  exactlyOnceReport,
  expectedExactlyOnce,
  family,
  messagesTo,
  startFaultEnv,
  startWorkerProcess,
  submit,
  waitUntil,
  type Classroom,
  type FaultEnv,
  type WorkerProcess,
} from './fault-support';

jest.setTimeout(240_000);

let fault: FaultEnv;
let worker: WorkerProcess | undefined;
const survived: Record<string, number> = {};

beforeAll(async () => {
  fault = await startFaultEnv();
});

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
});

afterAll(async () => {
  await fault?.close();
  const total = Object.values(survived).length;
  recordFigures('faults', { survived: total, ...survived });
  // eslint-disable-next-line no-console
  console.log(`faults survived: ${total} (${Object.entries(survived).map(([k, v]) => `${k}: ${v}`).join('; ')})`);
});

const apiFamily = (room: Classroom) => apiFamilyOf(fault.ctx, room);

test('When the worker is killed with SIGKILL in the middle of 500 submissions and started again, then every submission is decided exactly once and no family gets two messages', async () => {
  const N = Number(process.env.FAULT_KILL_SUBMISSIONS ?? 500);
  const room = await classroom(fault.ctx);
  const families: Awaited<ReturnType<typeof family>>[] = [];
  for (let i = 0; i < N; i += 1) families.push(await family(fault.ctx, room));
  worker = startWorkerProcess(fault);
  const killed = worker;

  const built: BuiltSubmission[] = [];
  let next = 0;
  const submitting = Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < N) {
        const f = families[next++]!;
        built.push(await submit(fault.ctx, room, f));
        await new Promise((r) => setTimeout(r, 5));
      }
    }),
  );
  // Kill it once it is busy: some decided, messages going out, more submissions arriving.
  await waitUntil(async () => (await approvedCount(fault.ctx, built.map((b) => b.version.id))) >= Math.floor(N / 5), 60_000, 'the first decisions');
  await killed.kill9();
  expect((await killed.exit).signal).toBe('SIGKILL');
  const decidedAtKill = await approvedCount(fault.ctx, built.map((b) => b.version.id));
  await submitting;
  expect(built).toHaveLength(N);

  worker = startWorkerProcess(fault);
  const ids = built.map((b) => b.version.id);
  // Jobs the dead worker held are taken over when their locks lapse; a message it was sending is re-sent with the same client_msg_id (WeChat keeps one).
  const ms = await waitUntil(async () => (await approvedCount(fault.ctx, ids)) === N && (await messagesTo(fault, built)) >= N, 150_000, `${N} decisions and messages`, 500, () => exactlyOnceReport(fault, built));
  await new Promise((r) => setTimeout(r, 1500));
  expect(await exactlyOnceReport(fault, built)).toEqual(expectedExactlyOnce(N));
  survived['worker kill -9'] = N;
  // eslint-disable-next-line no-console
  console.log(`worker kill -9: ${decidedAtKill}/${N} decided when killed; all ${N} decided exactly once ${(ms / 1000).toFixed(1)} s after the restart`);
});

test('When Redis is down while families submit, then every submission is accepted and all are decided once Redis is back', async () => {
  const N = 20;
  const room = await classroom(fault.ctx);
  const families = await Promise.all(Array.from({ length: N }, () => apiFamily(room)));
  worker = startWorkerProcess(fault);
  const api = createApp(fault.ctx).callback();

  await fault.redis.stop();
  const responses = await Promise.all(
    families.map((f) => request(api).post(`/api/students/${f.studentId}/submissions`).set('Authorization', `Bearer ${f.token}`).send(f.body)),
  );
  expect(responses.map((r) => r.status)).toEqual(families.map(() => 201));
  const built = families.map((f, i) => asBuilt(f, responses[i]!.body.versionId as string));
  await new Promise((r) => setTimeout(r, 1500));
  expect(await approvedCount(fault.ctx, built.map((b) => b.version.id))).toBe(0);

  await fault.redis.start();
  const ms = await waitUntil(async () => (await approvedCount(fault.ctx, built.map((b) => b.version.id))) === N && (await messagesTo(fault, built)) >= N, 90_000, 'decisions after Redis returned', 300);
  await new Promise((r) => setTimeout(r, 1000));
  expect(await exactlyOnceReport(fault, built)).toEqual(expectedExactlyOnce(N));
  survived['Redis outage'] = N;
  // eslint-disable-next-line no-console
  console.log(`Redis outage: ${N}/${N} submissions accepted while Redis was down; all decided ${(ms / 1000).toFixed(1)} s after it returned`);
});

test('When PostgreSQL restarts during traffic, then the API answers 503 meanwhile, recovers by itself, and loses nothing', async () => {
  const N = 12;
  const room = await classroom(fault.ctx);
  const families = await Promise.all(Array.from({ length: N }, () => apiFamily(room)));
  worker = startWorkerProcess(fault);
  const api = createApp(fault.ctx).callback();
  const statuses: { phase: 'before' | 'down' | 'after'; status: number }[] = [];
  let phase: 'before' | 'down' | 'after' = 'before';
  const versionIds = new Map<string, string>();
  let stop = false;

  // Each family keeps reading its list and submits once, retrying on 503 (what the mini-program's client does).
  const traffic = Promise.all(
    families.map(async (f, i) => {
      let submitted = false;
      await new Promise((r) => setTimeout(r, i * 150));
      while (!stop || !submitted) {
        const read = await request(api).get('/api/students').set('Authorization', `Bearer ${f.token}`);
        statuses.push({ phase, status: read.status });
        if (!submitted) {
          const res = await request(api).post(`/api/students/${f.studentId}/submissions`).set('Authorization', `Bearer ${f.token}`).send(f.body);
          statuses.push({ phase, status: res.status });
          if (res.status === 201) {
            submitted = true;
            versionIds.set(f.studentId, res.body.versionId as string);
          }
        }
        await new Promise((r) => setTimeout(r, 100));
        if (stop && submitted) break;
      }
    }),
  );
  await new Promise((r) => setTimeout(r, 800));
  phase = 'down';
  await fault.pg.stop();
  await new Promise((r) => setTimeout(r, 2500));
  await fault.pg.start();
  phase = 'after';
  // Recovered by itself: no restart of the API, its pool reconnects.
  await waitUntil(async () => (await request(api).get('/api/students').set('Authorization', `Bearer ${families[0]!.token}`)).status === 200, 30_000, 'the API to answer 200 again');
  await new Promise((r) => setTimeout(r, 1000));
  stop = true;
  await traffic;

  const server5xx = statuses.filter((s) => s.status >= 500 && s.status !== 503);
  expect(server5xx).toEqual([]);
  expect(statuses.filter((s) => s.phase === 'down' && s.status === 503).length).toBeGreaterThan(0);
  expect(statuses.filter((s) => s.phase === 'down').every((s) => s.status === 503 || s.status < 300)).toBe(true);
  expect(versionIds.size).toBe(N);
  const built = families.map((f) => asBuilt(f, versionIds.get(f.studentId)!));
  await waitUntil(async () => (await approvedCount(fault.ctx, [...versionIds.values()])) === N && (await messagesTo(fault, built)) >= N, 90_000, 'decisions after the restart', 300);
  await new Promise((r) => setTimeout(r, 1000));
  expect(await exactlyOnceReport(fault, built)).toEqual(expectedExactlyOnce(N));
  survived['PostgreSQL restart'] = N;
  const down = statuses.filter((s) => s.phase === 'down');
  // eslint-disable-next-line no-console
  console.log(`PostgreSQL restart: ${down.length} requests while it was down (${down.filter((s) => s.status === 503).length} × 503, none 500); ${N}/${N} submissions stored and decided once`);
});

test('When WeChat answers 5xx and times out for a while, then messages are delayed and then delivered exactly once', async () => {
  const N = 10;
  const room = await classroom(fault.ctx);
  const families = await Promise.all(Array.from({ length: N }, () => family(fault.ctx, room)));
  const path = '/cgi-bin/message/template/send';
  fault.wechat.inject({ path, httpStatus: 502, times: 12 });
  fault.wechat.inject({ path, httpStatus: 503, times: 6 });
  // Longer than the client's 5 s timeout: WeChat handles it late; the retry carries the same client_msg_id.
  fault.wechat.inject({ path, delayMs: 6_000, times: 3 });
  const injectedBefore = fault.wechat.calls({ path }).filter((c) => c.injected).length;
  worker = startWorkerProcess(fault);
  const built: BuiltSubmission[] = [];
  for (const f of families) built.push(await submit(fault.ctx, room, f));

  const ms = await waitUntil(async () => (await approvedCount(fault.ctx, built.map((b) => b.version.id))) === N && (await messagesTo(fault, built)) >= N, 120_000, 'messages after WeChat recovered', 300);
  await new Promise((r) => setTimeout(r, 7000));
  expect(await exactlyOnceReport(fault, built)).toEqual(expectedExactlyOnce(N));
  const failedCalls = fault.wechat.calls({ path }).filter((c) => c.injected).length - injectedBefore;
  expect(failedCalls).toBeGreaterThanOrEqual(18);
  survived['WeChat 5xx and time-outs'] = N;
  // eslint-disable-next-line no-console
  console.log(`WeChat outage: ${failedCalls} sends failed (5xx / time-out); all ${N} messages delivered exactly once after ${(ms / 1000).toFixed(1)} s`);
});
