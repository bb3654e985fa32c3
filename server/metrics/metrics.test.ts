/**
 * The metrics of issue 16, read the way Prometheus reads them: requests through
 * the real app (route level), PostgreSQL and Redis real, the registry rendered
 * by the metrics listener on its own port.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { sql } from 'drizzle-orm';
import { createApp } from '../http/app';
import { loadConfig } from '../../config';
import { closeContext, createContext } from '../context';
import { createTestContext, type TestContext } from '../test/context';
import { buildWorld } from '../test/world';
import { startMetricsServer, startMetricsListener } from './server';
import { METRIC_NAMES, type Metrics } from './metrics';
import { createHarness, type Harness } from '../http/routes/auth/auth-test-support';
import { createPaymentHarness, type PaymentHarness } from '../http/routes/comm-card/payment-test-support';
import { hashPassword, verifyPassword } from '../security/passwords';

jest.setTimeout(60_000);

/** The value of one series of a metric in the registry (histograms: their _count), 0 when absent. */
async function value(metrics: Metrics, name: string, labels: Record<string, string>, suffix = ''): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const wanted = `${name}${suffix}`;
  const hit = values.find((v) => (suffix ? (v as { metricName?: string }).metricName === wanted : true) && Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l));
  return hit?.value ?? 0;
}

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.cleanup();
});

describe('HTTP request metrics', () => {
  it('label requests with the route template and the status, never the raw path', async () => {
    const app = createApp(ctx).callback();
    const id = randomUUID();
    const before = await value(ctx.metrics, METRIC_NAMES.httpDuration, { route: '/api/students/:studentId', status: '401' }, '_count');
    const res = await request(app).get(`/api/students/${id}`);
    expect(res.status).toBe(401);
    await request(app).get('/api/no-such-thing');
    expect(await value(ctx.metrics, METRIC_NAMES.httpDuration, { route: '/api/students/:studentId', method: 'GET', status: '401' }, '_count')).toBe(before + 1);
    expect(await value(ctx.metrics, METRIC_NAMES.httpDuration, { route: 'unmatched', status: '404' }, '_count')).toBeGreaterThanOrEqual(1);
    const text = await ctx.metrics.render();
    expect(text).not.toContain(id);
  });
});

describe('database metrics', () => {
  it('time statements and show the pool', async () => {
    const before = await value(ctx.metrics, METRIC_NAMES.dbQueryDuration, { result: 'ok' }, '_count');
    await ctx.db.execute(sql`select 1`);
    await ctx.db.transaction(async (tx) => {
      await tx.execute(sql`select 2`);
    });
    expect(await value(ctx.metrics, METRIC_NAMES.dbPoolMax, {})).toBe(5);
    expect(await value(ctx.metrics, METRIC_NAMES.dbPoolConnections, { state: 'total' })).toBeGreaterThanOrEqual(1);
    expect(await value(ctx.metrics, METRIC_NAMES.dbPoolConnections, { state: 'waiting' })).toBe(0);
    // (pg's pool discards the connection of a failed pool.query, so this comes after the pool figures)
    await expect(ctx.db.execute(sql`select * from no_such_table_metrics`)).rejects.toThrow();
    // select 1; begin, select 2, commit
    expect(await value(ctx.metrics, METRIC_NAMES.dbQueryDuration, { result: 'ok' }, '_count')).toBeGreaterThanOrEqual(before + 4);
    expect(await value(ctx.metrics, METRIC_NAMES.dbQueryDuration, { result: 'error' }, '_count')).toBeGreaterThanOrEqual(1);
  });
});

describe('outbox and queue metrics', () => {
  it('show the outbox backlog (due rows; a delayed one waits) and the age of its oldest row per queue', async () => {
    const queue = `metrics-test-${randomBytes(4).toString('hex')}`;
    await ctx.db.execute(sql`insert into outbox (queue, payload, created_at, available_at) values
      (${queue}, '{}'::jsonb, now() - interval '90 seconds', now() - interval '90 seconds'), (${queue}, '{}'::jsonb, now(), now()),
      (${queue}, '{}'::jsonb, now(), now() + interval '5 minutes')`);
    try {
      expect(await value(ctx.metrics, METRIC_NAMES.outboxBacklog, { queue })).toBe(2);
      const age = await value(ctx.metrics, METRIC_NAMES.outboxOldestAge, { queue });
      expect(age).toBeGreaterThanOrEqual(89);
      expect(age).toBeLessThan(120);
      // A queue with nothing pending is exported as 0, so alert rules see the series.
      expect(await value(ctx.metrics, METRIC_NAMES.outboxBacklog, { queue: 'digests' })).toBe(0);
    } finally {
      await ctx.db.execute(sql`delete from outbox where queue = ${queue}`);
    }
  });

  it('show the jobs per queue and state and the age of the oldest waiting job', async () => {
    const queue = ctx.queues['registry-match'];
    await queue.add('match', { profileVersionId: randomUUID() }, { jobId: 'old', timestamp: Date.now() - 120_000 });
    await queue.add('match', { profileVersionId: randomUUID() }, { jobId: 'new' });
    await queue.add('match', { profileVersionId: randomUUID() }, { jobId: 'later', delay: 60_000 });
    expect(await value(ctx.metrics, METRIC_NAMES.queueJobs, { queue: 'registry-match', state: 'waiting' })).toBe(2);
    expect(await value(ctx.metrics, METRIC_NAMES.queueJobs, { queue: 'registry-match', state: 'delayed' })).toBe(1);
    expect(await value(ctx.metrics, METRIC_NAMES.queueJobs, { queue: 'notifications', state: 'waiting' })).toBe(0);
    const age = await value(ctx.metrics, METRIC_NAMES.queueOldestWaitingAge, { queue: 'registry-match' });
    expect(age).toBeGreaterThanOrEqual(119);
    expect(age).toBeLessThan(180);
    await queue.obliterate({ force: true });
  });

  it('leave the Redis series out of a scrape when Redis does not answer, without failing the scrape', async () => {
    const broken = await createContext(loadConfig({ ...process.env, REDIS_URL: 'redis://127.0.0.1:1' }), { database: ctx.database });
    try {
      await broken.metrics.render();
      const text = await broken.metrics.render();
      expect(text).toContain(`${METRIC_NAMES.scrapeErrors}{source="redis",service="all"}`);
      expect(text).not.toMatch(new RegExp(`^${METRIC_NAMES.queueJobs}\\{`, 'm'));
      expect(text).toMatch(new RegExp(`^${METRIC_NAMES.outboxBacklog}\\{`, 'm'));
    } finally {
      await closeContext(broken, { keepDatabase: true });
    }
  });
});

describe('use-case metrics', () => {
  it('count a reviewer decision by outcome', async () => {
    const world = await buildWorld(ctx);
    const app = createApp(ctx).callback();
    const before = await value(ctx.metrics, METRIC_NAMES.decisions, { decider: 'reviewer', outcome: 'approved' });
    const res = await request(app)
      .post(`/api/reviews/${world.versions.ownClass.version.id}/approve`)
      .set('Authorization', `Bearer ${await world.token('headTeacher')}`)
      .send({});
    expect(res.status).toBe(200);
    expect(await value(ctx.metrics, METRIC_NAMES.decisions, { decider: 'reviewer', outcome: 'approved' })).toBe(before + 1);
  });

  it('time argon2 hashes and verifications', async () => {
    const hashes = await value(ctx.metrics, METRIC_NAMES.argon2Duration, { operation: 'hash' }, '_count');
    const verifies = await value(ctx.metrics, METRIC_NAMES.argon2Duration, { operation: 'verify' }, '_count');
    const stored = await hashPassword('Blue-river-42');
    expect(await verifyPassword(stored, 'Blue-river-42')).toBe(true);
    expect(await value(ctx.metrics, METRIC_NAMES.argon2Duration, { operation: 'hash' }, '_count')).toBe(hashes + 1);
    expect(await value(ctx.metrics, METRIC_NAMES.argon2Duration, { operation: 'verify' }, '_count')).toBe(verifies + 1);
  });
});

describe('sign-in', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('shows the argon2 verification of POST /api/auth/login and the route', async () => {
    const account = await h.registerAccount();
    const verifies = await value(h.ctx.metrics, METRIC_NAMES.argon2Duration, { operation: 'verify' }, '_count');
    const res = await h.client().post('/api/auth/login', { login: account.username, password: account.password });
    expect(res.status).toBe(200);
    expect(await value(h.ctx.metrics, METRIC_NAMES.argon2Duration, { operation: 'verify' }, '_count')).toBeGreaterThanOrEqual(verifies + 1);
    expect(await value(h.ctx.metrics, METRIC_NAMES.httpDuration, { route: '/api/auth/login', status: '200' }, '_count')).toBe(1);
  });
});

describe('payments', () => {
  let h: PaymentHarness;
  beforeAll(async () => {
    h = await createPaymentHarness({ mode: 'public_key' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('count an order created and paid once, although WeChat Pay notifies three times', async () => {
    const parent = await h.account('parent');
    const holder = await h.cardHolder(parent.id);
    const created = await value(h.ctx.metrics, METRIC_NAMES.payments, { state: 'created' });
    const paid = await value(h.ctx.metrics, METRIC_NAMES.payments, { state: 'paid' });
    const res = await h.api.post(`/api/students/${holder.student.id}/comm-card/orders`, { productId: 'comm-card-basic' }, parent.token);
    expect(res.status).toBe(201);
    const outTradeNo = res.body.order.outTradeNo as string;
    h.fake.pay(outTradeNo);
    const built = h.fake.buildNotification(outTradeNo);
    for (let i = 0; i < 3; i += 1) expect((await h.api.notify(built)).status).toBe(204);
    expect(await value(h.ctx.metrics, METRIC_NAMES.payments, { state: 'created' })).toBe(created + 1);
    expect(await value(h.ctx.metrics, METRIC_NAMES.payments, { state: 'paid' })).toBe(paid + 1);
  });
});

describe('the metrics listener', () => {
  it('serves the Prometheus text on its own port; the public app does not', async () => {
    const server = await startMetricsServer(ctx.metrics, { port: 0, host: '127.0.0.1' });
    try {
      const res = await fetch(`${server.url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      const text = await res.text();
      for (const name of Object.values(METRIC_NAMES)) expect(text).toContain(`# HELP ${name} `);
      expect((await fetch(`${server.url}/other`)).status).toBe(404);
    } finally {
      await server.close();
    }
    const publicRes = await request(createApp(ctx).callback()).get('/metrics');
    expect(publicRes.text).not.toContain('# HELP educard_');
    const apiRes = await request(createApp(ctx).callback()).get('/api/metrics');
    expect(apiRes.status).toBe(404);
  });

  it('is off with METRICS_PORT=0 and binds METRICS_HOST:METRICS_PORT otherwise', async () => {
    expect(await startMetricsListener(ctx, { workers: false })).toBeUndefined();
    const port = Number(process.env.E2E_FAKE_WECHATPAY_PORT ?? 4602);
    const other = await createTestContext({ METRICS_PORT: String(port), METRICS_HOST: '127.0.0.1' });
    const listener = await startMetricsListener(other, { workers: false });
    try {
      expect(listener?.url).toBe(`http://127.0.0.1:${port}`);
      expect((await fetch(`${listener!.url}/metrics`)).status).toBe(200);
      const ready = await fetch(`${listener!.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ok', checks: { database: { ok: true }, redis: { ok: true } } });
      const live = await fetch(`${listener!.url}/health/live`);
      expect(await live.json()).toMatchObject({ status: 'ok' });
    } finally {
      await listener?.close();
      await other.cleanup();
    }
  });
});
