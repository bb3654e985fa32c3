/**
 * Shared set-up of the electronic-card, communication-card and payment tests:
 * a test context whose WeChat Pay client talks to tools/fake-wechatpay (keys
 * generated here, at test time: merchant RSA, APIv3 key, Ed25519 card key; the
 * fake generates its platform keys and certificate), verified in the given
 * mode (platform certificate or WeChat Pay public key). The API listens on a
 * real port, so the fake delivers notifications to PUBLIC_BASE_URL + the
 * notify path over HTTP. Time is a clock the test moves (no sleeps).
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq, sql } from 'drizzle-orm';
import request from 'supertest';
import { EDUCARD_PROVINCE_CODE, formatCardNumber } from '../../../../domain/card/card-number';
import { readDevInbox } from '../../../integrations/sms';
import { createSession } from '../../../services/accounts/sessions';
import { auditLog, students, type AccountRole } from '../../../db/schema';
import { buildAccount, buildSubmittedVersion, type BuiltSubmission } from '../../../test/factories';
import { createTestContext, type TestContext } from '../../../test/context';
import { createApp } from '../../app';
import { startFakeWechatPay, type FakeWechatPay, type VerificationMode } from '../../../../tools/fake-wechatpay/fake-wechatpay-server';

export const TEST_MP_APPID = 'wxtest00000000mp';
export const TEST_MCHID = '1230000109';

export interface PaymentHarness {
  ctx: TestContext;
  fake: FakeWechatPay;
  /** PEM of the merchant public key (what WeChat Pay holds to verify paySign and requests). */
  merchantPublicKeyPem: string;
  /** The API's own origin (PUBLIC_BASE_URL). */
  baseUrl: string;
  notifyUrl: string;
  api: {
    get(path: string, token?: string): request.Test;
    post(path: string, body?: object, token?: string): request.Test;
    /** POST a built notification to the notify route exactly as built (raw body, its headers). */
    notify(built: { headers: Record<string, string>; body: string }): request.Test;
  };
  /** Milliseconds on the clock of the card and payment services. */
  now(): number;
  advance(ms: number): void;
  /** A parent (or another role) with a real session; family accounts get a mini-program openid unless `openid: null`. */
  account(role?: AccountRole, options?: { openid?: string | null; schoolId?: string }): Promise<{ id: string; token: string; openid: string | null }>;
  /** A student of the family, approved with an issued card (unless `card: false`). */
  cardHolder(familyAccountId: string, options?: { card?: boolean }): Promise<BuiltSubmission & { cardNumber: string | null }>;
  /** Send a bind_phone (or other) SMS code through the API and read it from the dev inbox. */
  smsCode(phone: string, purpose: string): Promise<string>;
  auditCount(action: string, subjectId?: string): Promise<number>;
  close(): Promise<void>;
}

function randomIp(): string {
  return `10.${randomBytes(1)[0]}.${randomBytes(1)[0]}.${(randomBytes(1)[0]! % 250) + 1}`;
}

export async function createPaymentHarness(options: { mode?: VerificationMode; env?: Record<string, string> } = {}): Promise<PaymentHarness> {
  const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const merchantPrivateKeyPem = String(merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const merchantPublicKeyPem = String(merchant.publicKey.export({ type: 'spki', format: 'pem' }));
  const ecardKey = generateKeyPairSync('ed25519');
  const apiV3Key = randomBytes(16).toString('hex');
  const mode = options.mode ?? 'public_key';
  const fake = await startFakeWechatPay({ mchid: TEST_MCHID, appid: TEST_MP_APPID, merchantPublicKey: merchant.publicKey, apiV3Key, mode });

  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let clock = Date.now();
  const now = () => clock;
  const ctx = await createTestContext({
    TRUST_PROXY: '1',
    SMS_PROVIDER: 'dev',
    PUBLIC_BASE_URL: baseUrl,
    WECHAT_MP_APPID: TEST_MP_APPID,
    WECHATPAY_API_BASE: fake.url,
    WECHATPAY_MCHID: TEST_MCHID,
    WECHATPAY_MERCHANT_SERIAL: randomBytes(20).toString('hex').toUpperCase(),
    WECHATPAY_MERCHANT_PRIVATE_KEY: merchantPrivateKeyPem,
    WECHATPAY_APIV3_KEY: apiV3Key,
    ECARD_SIGNING_KEY: ecardKey.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
    WECHATPAY_TIMEOUT_MS: '3000',
    ...fake.verificationConfig(mode),
    ...options.env,
  }, { ecard: { now }, payments: { now } });
  server.on('request', createApp(ctx).callback());

  const send = (test: request.Test, token?: string) => {
    test.set('X-Forwarded-For', randomIp());
    if (token) test.set('Authorization', `Bearer ${token}`);
    return test;
  };
  const meta = { ip: '127.0.0.1', requestId: randomUUID(), userAgent: 'jest' };

  const harness: PaymentHarness = {
    ctx,
    fake,
    merchantPublicKeyPem,
    baseUrl,
    notifyUrl: `${baseUrl}/api/payments/wechatpay/notify`,
    api: {
      get: (path, token) => send(request(server).get(path), token),
      post: (path, body, token) => send(request(server).post(path), token).send(body ?? {}),
      notify: (built) => request(server).post('/api/payments/wechatpay/notify').set(built.headers).send(built.body),
    },
    now: () => clock,
    advance: (ms) => {
      clock += ms;
    },
    async account(role = 'parent', opts = {}) {
      const openid = opts.openid === undefined ? (role === 'parent' || role === 'student' ? `o${randomBytes(12).toString('base64url')}` : null) : opts.openid;
      const row = await buildAccount(ctx.db, { role, wechatMpOpenid: openid, ...(opts.schoolId ? { schoolId: opts.schoolId } : {}) });
      const session = await createSession(ctx.db, ctx, { accountId: row.id, channel: 'weapp', meta });
      return { id: row.id, token: session.token, openid };
    },
    async cardHolder(familyAccountId, opts = {}) {
      const family = (await ctx.db.query.accounts.findFirst({ where: (a, { eq: is }) => is(a.id, familyAccountId) }))!;
      const built = await buildSubmittedVersion(ctx, { family, withOutbox: false });
      let cardNumber: string | null = null;
      if (opts.card !== false) {
        const seq = await ctx.db.execute(sql`select nextval('card_number_seq') as n`);
        const n = Number((seq as unknown as { rows: { n: string }[] }).rows[0]!.n);
        cardNumber = formatCardNumber(n, { province: EDUCARD_PROVINCE_CODE, year: new Date().getFullYear() });
        await ctx.db
          .update(students)
          .set({ status: 'approved', approvedVersionId: built.version.id, cardNumber, cardIssuedAt: new Date() })
          .where(eq(students.id, built.student.id));
      }
      return { ...built, cardNumber };
    },
    async smsCode(phone, purpose) {
      const res = await send(request(server).post('/api/auth/sms-codes')).send({ phone, purpose });
      if (res.status !== 200) throw new Error(`sms-codes answered ${res.status}: ${res.text}`);
      const [entry] = await readDevInbox(ctx.redis, ctx.config.QUEUE_PREFIX, { phone, limit: 1 });
      const code = (entry?.params as { code?: unknown } | undefined)?.code;
      if (typeof code !== 'string') throw new Error(`no SMS code for ${phone}`);
      return code;
    },
    async auditCount(action, subjectId) {
      const rows = await ctx.db
        .select({ n: sql<number>`count(*)::int` })
        .from(auditLog)
        .where(subjectId ? sql`${auditLog.action} = ${action} and ${auditLog.subjectId} = ${subjectId}` : eq(auditLog.action, action));
      return rows[0]!.n;
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await ctx.redis.scan(cursor, 'MATCH', `${ctx.config.QUEUE_PREFIX}:*`, 'COUNT', 500);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
      if (keys.length > 0) await ctx.redis.del(...keys);
      await ctx.cleanup();
      await fake.close();
    },
  };
  return harness;
}
