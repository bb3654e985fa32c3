import { loadConfig } from '../config';
import { AppError } from '../domain/errors';
import { closeContext, createContext } from './context';
import { waitForRedis } from './redis';
import { createTestContext, withConfig, type TestContext } from './test/context';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.cleanup();
});

describe('createContext, the composition root', () => {
  test('When Redis does not answer, then the context is built at once with its runtimes, and WeChat Pay reports unavailable only when first used', async () => {
    const started = Date.now();
    const down = await createContext(loadConfig({ ...process.env, REDIS_URL: 'redis://127.0.0.1:1', QUEUE_PREFIX: 'test-core-down' }), {
      database: ctx.database,
    });
    try {
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(Object.keys(down.security.limits)).toContain('smsPerIp');
      expect(down.payments.products).toEqual(down.config.COMM_CARD_PRODUCTS);
      expect(down.payments.notifyUrl).toBe(new URL('/api/payments/wechatpay/notify', down.config.PUBLIC_BASE_URL).toString());
      expect(down.ecard.keys.publicKeys.length).toBeGreaterThan(0);
      // The development merchant keys live in Redis: asked for, they fail as a 503, and are asked for again next time.
      const first = await down.payments.load().catch((err: unknown) => err);
      expect(first).toBeInstanceOf(AppError);
      expect((first as AppError).code).toBe('PAYMENT_UNAVAILABLE');
    } finally {
      await closeContext(down, { keepDatabase: true });
    }
  }, 20_000);

  test('When the development keys can be read, then WeChat Pay loads once and every later use shares it', async () => {
    const [a, b] = await Promise.all([ctx.payments.load(), ctx.payments.load()]);
    expect(a).toBe(b);
    expect(a.keys.mchid).toBe(ctx.config.WECHATPAY_MCHID);
    expect(await ctx.payments.load()).toBe(a);
  });

  test('When a test passes its clock and captcha text, then the runtimes use them', async () => {
    const now = () => Date.parse('2026-09-01T00:00:00Z');
    const own = await createTestContext({}, { ecard: { now }, payments: { now }, security: { captchaText: () => 'ABCD' } });
    try {
      expect(own.ecard.now()).toBe(now());
      expect(own.payments.now()).toBe(now());
      await waitForRedis(own.redis, 5_000); // a fresh producer connection has no offline queue
      const { captchaId } = await own.security.captcha.create();
      expect(await own.security.captcha.verify(captchaId, 'ABCD')).toBe(true);
    } finally {
      await own.cleanup();
    }
  });

  test('When a test looks at another configuration, then withConfig builds the runtimes from it and leaves the original alone', () => {
    const production = withConfig(ctx, { NODE_ENV: 'production' });
    expect(production.ecard).not.toBe(ctx.ecard);
    expect(() => production.ecard.keys).toThrow(/ECARD_SIGNING_KEY is required in production/);
    expect(ctx.ecard.keys.publicKeys.length).toBeGreaterThan(0);
    expect(production.db).toBe(ctx.db);
  });
});
