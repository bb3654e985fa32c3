/**
 * EduCard on a real Redis Cluster: three masters started by this test
 * (server/test/throwaway-redis-cluster.ts), REDIS_CLUSTER_NODES naming them,
 * a PostgreSQL of the test's own and the fake WeChat. With the API's context
 * and every worker (jobs/main.ts's startWorkers, relays and schedulers on) on
 * the cluster client:
 *
 * - submissions go outbox → relay → registry match → approval → notification
 *   relay → WeChat template message, each decided once and each family told
 *   once; the BullMQ keys of each queue sit in one slot under its hash tag and
 *   the queues spread over more than one master;
 * - the rate limits (rate-limiter-flexible), the SMS development inbox (MULTI)
 *   and the WeChat token cache with its lock work through the cluster.
 */
import request from 'supertest';
import { Cluster } from 'ioredis';
import { loadConfig } from '../../config';
import { closeContext, createContext, type AppContext } from '../../server/context';
import { createApp } from '../../server/http/app';
import { queuePrefix, QUEUE_NAMES } from '../../server/queues/queues';
import { readDevInbox } from '../../server/integrations/sms/dev-sms-sender';
import { tokenRedisKey } from '../../server/integrations/wechat/access-token';
import type { BuiltSubmission } from '../../server/test/factories';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../server/test/throwaway-postgres';
import { startThrowawayRedisCluster, type ThrowawayRedisCluster } from '../../server/test/throwaway-redis-cluster';
import { startFakeWechat, type FakeWechat } from '../../tools/fake-wechat/fake-wechat-server';
import { startWorkers, type RunningWorkers } from '../main';
import { approvedCount, classroom, exactlyOnceReport, expectedExactlyOnce, family, messagesTo, submit, waitUntil } from '../faults/fault-support';

jest.setTimeout(120_000);

let cluster: ThrowawayRedisCluster;
let pg: ThrowawayPostgres;
let wechat: FakeWechat;
let ctx: AppContext;
let workers: RunningWorkers | undefined;
const PREFIX = 'scale-cluster';

beforeAll(async () => {
  [cluster, pg, wechat] = await Promise.all([
    startThrowawayRedisCluster(),
    startThrowawayPostgres(),
    startFakeWechat({ port: 0, appSecrets: { wxclust00000000mp: 'cluster-mp-secret', wxclust00000000oa: 'cluster-oa-secret' } }),
  ]);
  const env = {
    NODE_ENV: 'development',
    DATABASE_URL: pg.url,
    DATABASE_POOL_MAX: '5',
    REDIS_URL: cluster.url,
    REDIS_CLUSTER_NODES: cluster.nodes,
    QUEUE_PREFIX: PREFIX,
    OUTBOX_POLL_MS: '50',
    NOTIFY_RATE_PER_S: '1000',
    SMS_PER_IP_PER_HOUR: '3',
    TRUST_PROXY: '1',
    WECHAT_API_BASE: wechat.url,
    WECHAT_MP_APPID: 'wxclust00000000mp',
    WECHAT_MP_SECRET: 'cluster-mp-secret',
    WECHAT_OA_APPID: 'wxclust00000000oa',
    WECHAT_OA_SECRET: 'cluster-oa-secret',
    SMS_PROVIDER: 'dev',
  };
  ctx = await createContext(loadConfig({ ...process.env, ...env }));
  await waitUntil(async () => ctx.redis.status === 'ready', 10_000, 'the cluster client to be ready', 50);
});

afterAll(async () => {
  await workers?.close();
  if (ctx) await closeContext(ctx).catch(() => undefined);
  await Promise.all([cluster?.close(), pg?.close(), wechat?.close()]);
});

/** Every key of this test's prefix, per master. */
async function keysByMaster(): Promise<Map<string, string[]>> {
  const byMaster = new Map<string, string[]>();
  for (const node of (ctx.redis as Cluster).nodes('master')) {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', `${PREFIX}:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    byMaster.set(`${node.options.host}:${node.options.port}`, keys);
  }
  return byMaster;
}

test('Given a 3-master Redis Cluster, when 60 families submit, then the outbox, the match and the messages run through it: each decided once, each family told once', async () => {
  expect(ctx.redis).toBeInstanceOf(Cluster);
  expect(queuePrefix(ctx.config, QUEUE_NAMES.registryMatch)).toBe(`${PREFIX}:{registry-match}`);
  workers = await startWorkers(ctx);
  const N = 60;
  const room = await classroom(ctx);
  const families = [];
  for (let i = 0; i < N; i += 1) families.push(await family(ctx, room));
  const built: BuiltSubmission[] = [];
  for (const f of families) built.push(await submit(ctx, room, f));
  const ids = built.map((b) => b.version.id);

  await waitUntil(async () => (await approvedCount(ctx, ids)) === N && (await messagesTo({ wechat }, built)) >= N, 60_000, `${N} decisions and messages`, 200, () => exactlyOnceReport({ ctx, wechat }, built));
  expect(await exactlyOnceReport({ ctx, wechat }, built)).toEqual(expectedExactlyOnce(N));

  // Each queue's keys live on exactly one master (one slot: its hash tag), and the queues do not all share one.
  const byMaster = await keysByMaster();
  const mastersOf = (queue: string) => [...byMaster].filter(([, keys]) => keys.some((k) => k.startsWith(`${PREFIX}:{${queue}}:`))).map(([m]) => m);
  const used = new Set<string>();
  for (const queue of [QUEUE_NAMES.registryMatch, QUEUE_NAMES.notifications, QUEUE_NAMES.sweeper, QUEUE_NAMES.cleanup]) {
    const masters = mastersOf(queue);
    expect({ queue, masters: masters.length }).toEqual({ queue, masters: 1 });
    used.add(masters[0]!);
  }
  expect(used.size).toBeGreaterThan(1);
  // The WeChat access token the messages used is cached in the cluster for every worker.
  expect(await ctx.redis.get(tokenRedisKey(PREFIX, 'wxclust00000000oa'))).toEqual(expect.any(String));
});

test('Given the cluster, then the SMS limits hold across requests (per phone and per IP) and the codes reach the development inbox', async () => {
  const app = createApp(ctx).callback();
  const post = (ip: string, phone: string) => request(app).post('/api/auth/sms-codes').set('X-Forwarded-For', ip).send({ phone, purpose: 'register' });
  const phones = ['13800000001', '13800000002', '13800000003', '13800000004'];

  expect((await post('10.1.0.1', phones[0]!)).status).toBe(200);
  const again = await post('10.1.0.2', phones[0]!);
  expect(again.status).toBe(429);
  expect(Number(again.headers['retry-after'])).toBeGreaterThan(0);

  // SMS_PER_IP_PER_HOUR=3: the fourth code from one address is refused whatever the phone.
  for (const phone of phones.slice(1)) expect((await post('10.1.0.3', phone)).status).toBe(200);
  const fourth = await post('10.1.0.3', '13800000005');
  expect(fourth.status).toBe(429);

  const [entry] = await readDevInbox(ctx.redis, PREFIX, { phone: phones[3]!, limit: 1 });
  expect(entry?.params.code).toMatch(/^\d{6}$/);
  const limiterKeys = [...(await keysByMaster()).values()].flat().filter((k) => k.startsWith(`${PREFIX}:rl:`));
  expect(limiterKeys.length).toBeGreaterThanOrEqual(2);
});
