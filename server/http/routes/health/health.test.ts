/**
 * The probes of issue 16 against the real PostgreSQL and Redis: liveness asks
 * nothing; readiness needs the database, and Redis down makes it degraded but
 * still ready (the outbox keeps submissions), so a Redis outage never takes
 * every API instance out of the load balancer.
 */
import request from 'supertest';
import { createApp } from '../../app';
import { loadConfig } from '../../../../config';
import { closeContext, createContext, type AppContext } from '../../../context';
import { createTestContext, type TestContext } from '../../../test/context';
import { startHeartbeat } from '../../../services/health/worker-heartbeat';

let ctx: TestContext;

/** A context whose Redis (and, unless kept, database) does not answer; closed without touching its queues. */
async function withBroken(env: Record<string, string>, run: (broken: AppContext) => Promise<void>): Promise<void> {
  const keepDatabase = !env.DATABASE_URL;
  const broken = await createContext(loadConfig({ ...process.env, ...env }), keepDatabase ? { database: ctx.database } : {});
  try {
    await run(broken);
  } finally {
    await closeContext(broken, { keepDatabase });
  }
}
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.cleanup();
});

describe('GET /api/health/live', () => {
  it('answers 200 without asking any dependency, also when none answers', async () => {
    await withBroken({ REDIS_URL: 'redis://127.0.0.1:1', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' }, async (broken) => {
      const res = await request(createApp(broken).callback()).get('/api/health/live');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'ok' });
      expect(res.body.uptimeS).toBeGreaterThanOrEqual(0);
      expect(res.headers['cache-control']).toBe('no-store');
    });
  });
});

describe('GET /api/health/ready', () => {
  it('answers 200 ok with the database, Redis and a worker heartbeat', async () => {
    const beat = startHeartbeat(ctx.redis, ctx.config.QUEUE_PREFIX, 'test-worker:1');
    try {
      const res = await request(createApp(ctx).callback()).get('/api/health/ready');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'ok', checks: { database: { ok: true }, redis: { ok: true }, workers: { ok: true, alive: 1 } } });
    } finally {
      await beat.stop();
    }
  });

  it('stays 200 (degraded) when Redis does not answer', async () => {
    await withBroken({ REDIS_URL: 'redis://127.0.0.1:1' }, async (noRedis) => {
      const res = await request(createApp(noRedis).callback()).get('/api/health/ready');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: 'degraded',
        checks: { database: { ok: true }, redis: { ok: false }, workers: { ok: false, alive: null } },
      });
      // The status report of the home page still says 503 for the same outage.
      expect((await request(createApp(noRedis).callback()).get('/api/health')).status).toBe(503);
    });
  });

  it('answers 503 unavailable when the database does not answer', async () => {
    await withBroken({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' }, async (noDatabase) => {
      const res = await request(createApp(noDatabase).callback()).get('/api/health/ready');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ status: 'unavailable', checks: { database: { ok: false }, redis: { ok: true } } });
    });
  });
});
