/**
 * Shared set-up of the accounts API tests: a real context on the test
 * database and Redis under a prefix of its own (so rate-limit keys never
 * collide between test files), TRUST_PROXY=1 (one proxy) so each test can speak
 * from its own client IP (a one-entry X-Forwarded-For), the development SMS provider (codes are read
 * back from its Redis inbox), a known captcha text, and the fake WeChat server
 * (tools/fake-wechat) on a port of its own, reached by the real WeChat client
 * over HTTP; it accepts the development codes `dev:<openid>[:<unionid>]` and
 * `devphone:<11 digits>`, and can inject WeChat's documented errors.
 */
import { randomBytes, randomInt } from 'node:crypto';
import request from 'supertest';
import { CHILDREN_RULES_VERSION, PRIVACY_POLICY_VERSION, SMS_PURPOSES } from '../../../../domain/api/auth';
import { smsQuotaKey } from '../../../services/accounts/sms-codes';
import { readDevInbox } from '../../../integrations/sms';
import type { Security } from '../../../security';
import { createTestContext, type TestContext } from '../../../test/context';
import { createApp } from '../../app';
import type { AnyRoute } from '../../route';
import { startFakeWechat, type FakeWechat } from '../../../../tools/fake-wechat/fake-wechat-server';

export const CAPTCHA_TEXT = 'K7PM';
export const GOOD_PASSWORD = 'Blue-river-42';

export function randomPhone(): string {
  return `1${randomInt(3, 10)}${String(randomInt(0, 1_000_000_000)).padStart(9, '0')}`;
}

export function randomIp(): string {
  return `10.${randomInt(0, 256)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
}

export function randomUsername(prefix = 'u'): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

export interface Harness {
  ctx: TestContext;
  sec: Security;
  /** The fake WeChat server the context's WeChat client talks to. */
  fakeWechat: FakeWechat;
  /** A supertest client speaking from one client IP (random unless given). */
  client(ip?: string): Client;
  /** The newest code the development SMS inbox holds for the phone. */
  lastCode(phone: string): Promise<string>;
  /** Send a code (from a fresh IP) and read it back. */
  code(phone: string, purpose: string): Promise<string>;
  /** Forget the one-per-minute limit of a phone (to send another code at once). */
  allowResend(phone: string): Promise<void>;
  /** Register a parent account; returns its credentials and session token. */
  registerAccount(overrides?: Partial<{ username: string; password: string; phone: string; identity: 'parent' | 'student' }>): Promise<{
    username: string;
    password: string;
    phone: string;
    token: string;
    accountId: string;
  }>;
  close(): Promise<void>;
}

export type Client = ReturnType<typeof makeClient>;

function makeClient(app: ReturnType<ReturnType<typeof createApp>['callback']>, ip: string) {
  return {
    ip,
    get: (path: string, token?: string) => withHeaders(request(app).get(path), ip, token),
    post: (path: string, body?: object, token?: string) => withHeaders(request(app).post(path), ip, token).send(body ?? {}),
  };
}

function withHeaders(test: request.Test, ip: string, token?: string): request.Test {
  test.set('X-Forwarded-For', ip);
  if (token) test.set('Authorization', `Bearer ${token}`);
  return test;
}

export async function createHarness(options: { routes?: readonly AnyRoute[] } = {}): Promise<Harness> {
  const appSecrets = { wxtest00000000mp: 'test-mp-secret', wxtest00000000oa: 'test-oa-secret' };
  const fakeWechat = await startFakeWechat({ port: 0, appSecrets });
  const ctx = await createTestContext({
    TRUST_PROXY: '1',
    SMS_PROVIDER: 'dev',
    WECHAT_API_BASE: fakeWechat.url,
    WECHAT_MP_APPID: 'wxtest00000000mp',
    WECHAT_MP_SECRET: 'test-mp-secret',
    WECHAT_OA_APPID: 'wxtest00000000oa',
    WECHAT_OA_SECRET: 'test-oa-secret',
  }, { security: { captchaText: () => CAPTCHA_TEXT } });
  const sec = ctx.security;
  const app = createApp(ctx, options.routes).callback();
  const client = (ip = randomIp()) => makeClient(app, ip);

  const lastCode = async (phone: string) => {
    const [entry] = await readDevInbox(ctx.redis, ctx.config.QUEUE_PREFIX, { phone, limit: 1 });
    if (!entry) throw new Error(`no SMS for ${phone}`);
    return entry.params.code;
  };
  const allowResend = async (phone: string) => {
    const index = ctx.pii.blindIndex('phone', phone);
    for (const purpose of SMS_PURPOSES) await sec.limits.smsPerPhoneMinute.delete(smsQuotaKey(index, purpose));
  };
  const code = async (phone: string, purpose: string) => {
    const res = await client().post('/api/auth/sms-codes', { phone, purpose });
    if (res.status !== 200) throw new Error(`sms-codes answered ${res.status}: ${res.text}`);
    return lastCode(phone);
  };

  const harness: Harness = {
    ctx,
    sec,
    fakeWechat,
    client,
    lastCode,
    code,
    allowResend,
    async registerAccount(overrides = {}) {
      const username = overrides.username ?? randomUsername();
      const password = overrides.password ?? GOOD_PASSWORD;
      const phone = overrides.phone ?? randomPhone();
      await allowResend(phone);
      const smsCode = await code(phone, 'register');
      const res = await client().post('/api/auth/register', {
        identity: overrides.identity ?? 'parent',
        phone,
        smsCode,
        username,
        password,
        agreement: { privacyPolicyVersion: PRIVACY_POLICY_VERSION, childrenRulesVersion: CHILDREN_RULES_VERSION, agreed: true },
      });
      if (res.status !== 201) throw new Error(`register answered ${res.status}: ${res.text}`);
      return { username, password, phone, token: res.body.token as string, accountId: res.body.account.id as string };
    },
    async close() {
      // Rate-limit counters, tickets, captchas and the SMS inbox of this prefix.
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await ctx.redis.scan(cursor, 'MATCH', `${ctx.config.QUEUE_PREFIX}:*`, 'COUNT', 500);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
      if (keys.length > 0) await ctx.redis.del(...keys);
      await ctx.cleanup();
      await fakeWechat.close();
    },
  };
  return harness;
}

export const agreement = { privacyPolicyVersion: PRIVACY_POLICY_VERSION, childrenRulesVersion: CHILDREN_RULES_VERSION, agreed: true };
