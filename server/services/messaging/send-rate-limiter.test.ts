/**
 * The message rate limit is shared by every worker process through Redis: two
 * limiters on the same prefix (two processes) together start no more than
 * `max` sends per window.
 */
import { waitForRedis } from '../../redis';
import { createTestContext, type TestContext } from '../../test/context';
import { rateLimitKey, SendRateLimiter } from './send-rate-limiter';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
  await waitForRedis(ctx.redis, 5_000);
});

afterAll(async () => {
  await ctx.redis.del(rateLimitKey(ctx.config.QUEUE_PREFIX));
  await ctx.cleanup();
});

test('Two processes sharing the limit start at most max sends per window between them, and wait for the next window', async () => {
  const windowMs = 400;
  const options = { redis: ctx.redis, prefix: ctx.config.QUEUE_PREFIX, max: 10, durationMs: windowMs, refill: 3 };
  const processes = [new SendRateLimiter(options), new SendRateLimiter(options)];
  const started: number[] = [];
  const t0 = Date.now();

  await Promise.all(
    processes.map(async (limiter) => {
      for (let sent = 0; sent < 15; ) {
        const permits = await limiter.take(1);
        for (let i = 0; i < permits; i += 1) started.push(Date.now() - t0);
        sent += permits;
      }
    }),
  );

  expect(started).toHaveLength(30);
  // 30 sends at 10 per window take three windows: the first at once, two more after waiting.
  expect(Math.max(...started)).toBeGreaterThanOrEqual(2 * windowMs - 50);
  expect(started.filter((t) => t < windowMs - 50).length).toBeLessThanOrEqual(10);
});

test('A process fetches permits a few at a time and hands out no more than asked for', async () => {
  const limiter = new SendRateLimiter({ redis: ctx.redis, prefix: `${ctx.config.QUEUE_PREFIX}-keep`, max: 100, refill: 20 });
  expect(await limiter.take(3)).toBe(3);
  expect(await limiter.take(50)).toBe(17);
  // One fetch of 20 from Redis served both callers.
  expect(Number(await ctx.redis.get(rateLimitKey(`${ctx.config.QUEUE_PREFIX}-keep`)))).toBe(20);
  await ctx.redis.del(rateLimitKey(`${ctx.config.QUEUE_PREFIX}-keep`));
});
