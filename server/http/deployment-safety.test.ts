/**
 * Issue 12, attacks 3 and 4, at the route level on the real PostgreSQL and
 * Redis: TRUST_PROXY is a hop count (a forged leftmost X-Forwarded-For changes
 * nothing), and a development build keeps its conveniences (dev inbox,
 * development WeChat codes, the e-card key derived from SESSION_SECRET) for
 * loopback peers judged by the socket, refuses a public HOST, announces
 * itself; production refuses the fakes and every derived key.
 */
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import { Writable } from 'node:stream';
import { eq } from 'drizzle-orm';
import request from 'supertest';
import { ConfigError, DEVELOPMENT_SESSION_SECRET, loadConfig } from '../../config';
import type { AppContext } from '../context';
import { smsChallenges } from '../db/schema';
import { createLogger } from '../logging/logger';
import { phoneIndexOf } from '../services/accounts/account-view';
import { derivedEcardKey } from '../services/ecard/ecard-keys';
import { getStudentEcard, verifyEcard } from '../services/ecard/ecard';
import { withConfig } from '../test/context';
import { createApp } from './app';
import { UnsafeDeploymentError } from './deployment';
import { createHarness, randomIp, randomPhone, randomUsername, type Harness } from './routes/auth/auth-test-support';
import { createPaymentHarness, type PaymentHarness } from './routes/comm-card/payment-test-support';
import { startApi } from './server';

jest.setTimeout(60_000);

let h: Harness;
let pay: PaymentHarness;

beforeAll(async () => {
  h = await createHarness();
  pay = await createPaymentHarness();
  // A limiter asked before its Redis connection is ready counts in its in-memory insurance instead (one request).
  if (h.ctx.redis.status !== 'ready') await new Promise((resolve) => h.ctx.redis.once('ready', resolve));
});

afterAll(async () => {
  await h?.close();
  await pay?.close();
});

/**
 * An HTTP server over the app whose TCP peer is `peer`: the socket's remote
 * address is what the development guard judges, so the test sets exactly that
 * (connections arrive on loopback in a test process).
 */
function servedToPeer(ctx: AppContext, peer: string): http.Server {
  const handle = createApp(ctx).callback();
  return http.createServer((req, res) => {
    Object.defineProperty(req.socket, 'remoteAddress', { value: peer, configurable: true });
    void handle(req, res);
  });
}

describe('attack 3: TRUST_PROXY is a hop count', () => {
  const attacker = '203.0.113.66';
  /** What one reverse proxy forwards: whatever the client wrote, then the address the proxy saw. */
  const forged = () => `${randomIp()}, ${attacker}`;

  test('When one peer behind one proxy asks 25 SMS codes with a forged leftmost X-Forwarded-For, then 429 past the per-IP limit (20/h)', async () => {
    const app = createApp(withConfig(h.ctx, { TRUST_PROXY: 1 })).callback();
    const statuses: number[] = [];
    for (let i = 0; i < 25; i += 1) {
      const res = await request(app).post('/api/auth/sms-codes').set('X-Forwarded-For', forged()).send({ phone: randomPhone(), purpose: 'register' });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(200));
    expect(statuses.slice(20)).toEqual(Array(5).fill(429));
  });

  test('When one peer behind one proxy fails 35 sign-ins with forged X-Forwarded-For entries, then 429 after 30 failures', async () => {
    const app = createApp(withConfig(h.ctx, { TRUST_PROXY: 1 })).callback();
    const statuses: number[] = [];
    for (let i = 0; i < 35; i += 1) {
      const res = await request(app).post('/api/auth/login').set('X-Forwarded-For', `${randomIp()}, 203.0.113.67`).send({ login: randomUsername(), password: 'Wrong-pass-1' });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(30)).toEqual(Array(5).fill(429));
  });

  test('The client IP is the TRUST_PROXY-th entry from the right; with 0 the header is ignored', async () => {
    const ipOf = async (hops: number, xff: string) => {
      const phone = randomPhone();
      const app = createApp(withConfig(h.ctx, { TRUST_PROXY: hops })).callback();
      expect((await request(app).post('/api/auth/sms-codes').set('X-Forwarded-For', xff).send({ phone, purpose: 'register' })).status).toBe(200);
      const [row] = await h.ctx.db.select({ ip: smsChallenges.ip }).from(smsChallenges).where(eq(smsChallenges.phoneIndex, phoneIndexOf(h.ctx, phone)));
      return row!.ip;
    };
    expect(await ipOf(2, '1.2.3.4, 198.51.100.7, 10.0.0.1')).toBe('198.51.100.7');
    expect(await ipOf(1, '1.2.3.4, 198.51.100.8')).toBe('198.51.100.8');
    expect(await ipOf(0, '1.2.3.4')).toMatch(/127\.0\.0\.1|::1/);
  });

  test('TRUST_PROXY takes a hop count; the old booleans read as 0 and 1', () => {
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(0);
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(1);
    expect(loadConfig({}).TRUST_PROXY).toBe(0);
    expect(() => loadConfig({ TRUST_PROXY: 'all' })).toThrow(/TRUST_PROXY: must be the number of reverse proxies/);
    expect(() => loadConfig({ TRUST_PROXY: '11' })).toThrow(/TRUST_PROXY/);
  });
});

describe('attack 4: development conveniences are for this machine only', () => {
  const outsider = '198.51.100.23';

  test('When a non-loopback peer asks the dev inbox (even claiming 127.0.0.1 in X-Forwarded-For), then 404; a loopback peer gets it', async () => {
    const phone = randomPhone();
    await h.code(phone, 'reset_password');
    const ctx = withConfig(h.ctx, { TRUST_PROXY: 1 });

    const remote = await request(servedToPeer(ctx, outsider)).get(`/api/dev/inbox?phone=${phone}`).set('X-Forwarded-For', '127.0.0.1');
    const mapped = await request(servedToPeer(ctx, `::ffff:${outsider}`)).get('/api/dev/inbox');
    const local = await request(servedToPeer(ctx, '127.0.0.1')).get(`/api/dev/inbox?phone=${phone}`);
    const local6 = await request(servedToPeer(ctx, '::1')).get(`/api/dev/inbox?phone=${phone}`);

    expect(remote.status).toBe(404);
    expect(remote.text).not.toContain(phone);
    expect(mapped.status).toBe(404);
    expect(local.status).toBe(200);
    expect(local.body.sms[0].phone).toBe(phone);
    expect(local6.status).toBe(200);
  });

  test('When a non-loopback peer signs in with a development WeChat code, then 403; from this machine it works', async () => {
    const openid = `o${randomBytes(8).toString('hex')}`;

    const remote = await request(servedToPeer(h.ctx, outsider)).post('/api/auth/wechat/login').send({ code: `dev:${openid}` });
    const phone = await request(servedToPeer(h.ctx, outsider)).post('/api/auth/wechat/phone').send({ code: 'devphone:13900001111' });
    const local = await request(servedToPeer(h.ctx, '127.0.0.1')).post('/api/auth/wechat/login').send({ code: `dev:${openid}` });

    expect(remote.status).toBe(403);
    expect(remote.body.error.message).toBe('开发环境的微信测试登录码只接受本机请求');
    expect(phone.status).toBe(403);
    expect(local.status).toBe(200);
  });

  test('When the e-card key is derived from SESSION_SECRET, then non-loopback peers get 403 on the e-card routes; with a real key they pass', async () => {
    const derived = withConfig(pay.ctx, { ECARD_SIGNING_KEY: undefined });

    const remoteKey = await request(servedToPeer(derived, outsider)).get('/api/ecard/public-key');
    const remoteVerify = await request(servedToPeer(derived, outsider)).post('/api/ecard/verify').send({ token: 'EC1.x.y' });
    const remoteCard = await request(servedToPeer(derived, outsider)).get('/api/students/00000000-0000-4000-8000-000000000000/ecard');
    const localKey = await request(servedToPeer(derived, '127.0.0.1')).get('/api/ecard/public-key');
    const realKey = await request(servedToPeer(pay.ctx, outsider)).get('/api/ecard/public-key');

    expect([remoteKey.status, remoteVerify.status, remoteCard.status]).toEqual([403, 403, 403]);
    expect(remoteKey.body.error.message).toMatch(/ECARD_SIGNING_KEY/);
    expect(localKey.status).toBe(200);
    expect(realKey.status).toBe(200);
  });

  test('When a development server is told to listen on a public HOST, then it refuses unless ALLOW_DEV_ON_PUBLIC_HOST; it announces development mode', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) }));
    const dev = { ...withConfig(h.ctx, { NODE_ENV: 'development' }), logger };

    await expect(startApi(dev, { host: '0.0.0.0', port: 0 })).rejects.toBeInstanceOf(UnsafeDeploymentError);
    await expect(startApi(dev, { host: '::', port: 0 })).rejects.toThrow(/ALLOW_DEV_ON_PUBLIC_HOST/);

    const allowed = await startApi({ ...dev, config: { ...dev.config, ALLOW_DEV_ON_PUBLIC_HOST: true } }, { host: '0.0.0.0', port: 0 });
    try {
      expect(lines.join('')).toMatch(/DEVELOPMENT MODE \(NODE_ENV=development\)/);
      // Reached over a real non-loopback interface of this machine (when it has one), the dev inbox does not exist.
      const external = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
      const port = (allowed.server.address() as { port: number }).port;
      if (external) {
        const res = await fetch(`http://${external.address}:${port}/api/dev/inbox`);
        expect(res.status).toBe(404);
      }
      const local = await fetch(`http://127.0.0.1:${port}/api/dev/inbox?limit=1`);
      expect(local.status).toBe(200);
    } finally {
      await allowed.close();
    }
    const loopback = await startApi(dev, { host: '127.0.0.1', port: 0 });
    await loopback.close();
  });
});

describe('attack 4: production refuses the fakes and the derived keys', () => {
  function productionEnv(overrides: Record<string, string> = {}): Record<string, string> {
    const ecard = generateKeyPairSync('ed25519');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return {
      NODE_ENV: 'production',
      PII_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      PII_CURRENT_KEY_ID: 'k1',
      PII_BLIND_INDEX_KEY: randomBytes(32).toString('base64'),
      SESSION_SECRET: randomBytes(32).toString('hex'),
      WECHAT_MP_SECRET: 'mp-secret',
      WECHAT_OA_SECRET: 'oa-secret',
      TENCENT_SECRET_KEY: 'tencent-key',
      ECARD_SIGNING_KEY: ecard.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
      WECHATPAY_MERCHANT_PRIVATE_KEY: String(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' })),
      WECHATPAY_APIV3_KEY: randomBytes(16).toString('hex'),
      WECHATPAY_PUBLIC_KEYS: JSON.stringify({ PUB_KEY_ID_01: String(rsa.publicKey.export({ type: 'spki', format: 'pem' })) }),
      WECHAT_API_BASE: 'https://api.weixin.qq.com',
      WECHATPAY_API_BASE: 'https://api.mch.weixin.qq.com/',
      SMS_PROVIDER: 'tencent',
      ...overrides,
    };
  }

  test('When production is configured with the fakes’ base URLs or the dev SMS provider, then start-up refuses, naming each', () => {
    expect(loadConfig(productionEnv()).NODE_ENV).toBe('production');
    let error: unknown;
    try {
      loadConfig(
        productionEnv({
          WECHAT_API_BASE: 'http://127.0.0.1:3901',
          WECHATPAY_API_BASE: 'http://localhost:3902/',
          SMS_PROVIDER: 'dev',
          TENCENT_SMS_ENDPOINT: 'http://sms.localhost:3903',
        }),
      );
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    for (const name of ['WECHAT_API_BASE', 'WECHATPAY_API_BASE', 'SMS_PROVIDER', 'TENCENT_SMS_ENDPOINT']) expect((error as Error).message).toContain(name);
    expect(() => loadConfig(productionEnv({ WECHAT_API_BASE: 'http://api.weixin.qq.com' }))).toThrow(/plain http/);
  });

  test('When production holds a key derived from the default SESSION_SECRET (to sign, or as a previous key), then it refuses to start and such tokens never verify', async () => {
    const parent = await pay.account('parent');
    const teacher = await pay.account('teacher');
    const holder = await pay.cardHolder(parent.id);
    // A token signed with the key every clone derives from the public development SESSION_SECRET.
    const devCtx = withConfig(pay.ctx, { ECARD_SIGNING_KEY: undefined, SESSION_SECRET: DEVELOPMENT_SESSION_SECRET });
    const { token } = await getStudentEcard(devCtx, parent.id, holder.student.id);
    const meta = { ip: '127.0.0.1', requestId: 'jest', userAgent: 'jest' };

    // Production with its own real key: the derived token is invalid.
    const production = withConfig(pay.ctx, { NODE_ENV: 'production' });
    expect((await verifyEcard(production, { id: teacher.id, role: 'teacher' }, token!, meta)).result).toBe('invalid');

    const derived = derivedEcardKey(DEVELOPMENT_SESSION_SECRET);
    const derivedPublic = createPublicKey(derived).export({ type: 'spki', format: 'der' }).toString('base64');
    const asPrevious = withConfig(pay.ctx, { NODE_ENV: 'production', ECARD_PREVIOUS_PUBLIC_KEYS: [derivedPublic] });
    const asCurrent = withConfig(pay.ctx, { NODE_ENV: 'production', ECARD_SIGNING_KEY: derived.export({ type: 'pkcs8', format: 'der' }).toString('base64') });
    for (const ctx of [asPrevious, asCurrent]) {
      await expect(startApi(ctx, { host: '127.0.0.1', port: 0 })).rejects.toThrow(/derived from SESSION_SECRET/);
      await expect(verifyEcard(ctx, { id: teacher.id, role: 'teacher' }, token!, meta)).rejects.toThrow(/derived from SESSION_SECRET/);
    }
  });
});
