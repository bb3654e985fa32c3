/**
 * The WeChat client (server/integrations/wechat) against the fake WeChat server
 * and the real local Redis. It lives here rather than beside the client because
 * server/ may not import tools/ (dependency rule).
 */
import { randomUUID } from 'node:crypto';
import { createLogger, type Logger } from '../../server/logging/logger';
import { createRedis, waitForRedis, type Redis } from '../../server/redis';
import { createAccessTokens, tokenRedisKey, type AccessTokens } from '../../server/integrations/wechat/access-token';
import { callWechat, WechatApiClient } from '../../server/integrations/wechat/wechat-api-client';
import { WechatApiError, WechatUnavailableError } from '../../server/integrations/wechat/wechat-client';
import { createWechatClient } from '../../server/integrations/wechat';
import { startFakeWechat, type FakeWechat } from './fake-wechat-server';

const MP = { appid: 'wxtest00000000mp', secret: 'mp-secret-for-tests' };
const OA = { appid: 'wxtest00000000oa', secret: 'oa-secret-for-tests' };
const PHONE_PATH = '/wxa/business/getuserphonenumber';

let fake: FakeWechat;
let redis: Redis;
let deadRedis: Redis;
let prefix: string;
let logLines: string[];
let logger: Logger;

function makeTokens(overrides: { redis?: Redis; timeoutMs?: number } = {}): AccessTokens {
  return createAccessTokens({
    apiBase: fake.url,
    apps: { mp: MP, oa: OA },
    redis: overrides.redis ?? redis,
    prefix,
    refreshMarginS: 300,
    logger,
    timeoutMs: overrides.timeoutMs,
  });
}

function makeClient(overrides: { redis?: Redis; timeoutMs?: number; tokens?: AccessTokens } = {}): WechatApiClient {
  return new WechatApiClient({
    apiBase: fake.url,
    tokens: overrides.tokens ?? makeTokens(overrides),
    logger,
    timeoutMs: overrides.timeoutMs,
    mpAppid: MP.appid,
    mpSecret: MP.secret,
  });
}

const tokenCalls = () => fake.calls({ path: '/cgi-bin/stable_token' }).length;

beforeAll(async () => {
  fake = await startFakeWechat({ appSecrets: { [MP.appid]: MP.secret, [OA.appid]: OA.secret } });
  redis = createRedis('redis://127.0.0.1:6379', 'producer');
  await waitForRedis(redis, 3_000);
  // Redis down, as the fail-fast producer connection reports it: every command rejects at once.
  const down = () => Promise.reject(new Error("Stream isn't writeable and enableOfflineQueue options is false"));
  deadRedis = { get: down, set: down, del: down, eval: down } as unknown as Redis;
});

beforeEach(() => {
  fake.reset();
  prefix = `test-${randomUUID()}`;
  logLines = [];
  logger = createLogger({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
});

afterEach(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
});

afterAll(async () => {
  redis.disconnect();
  await fake.close();
});

describe('code2Session', () => {
  it('returns the openid and unionid of a code, and refuses the same code again with 40029', async () => {
    const client = makeClient();
    const code = fake.issueLoginCode('o_student_1', { unionid: 'u_family_1' });

    await expect(client.code2Session(code)).resolves.toEqual({ openid: 'o_student_1', unionid: 'u_family_1' });
    const reuse = await client.code2Session(code).catch((err: unknown) => err);
    expect(reuse).toBeInstanceOf(WechatApiError);
    expect(reuse).toMatchObject({ api: 'sns/jscode2session', errcode: 40029 });
  });

  it('accepts dev:<openid>[:<unionid>] codes and omits a missing unionid', async () => {
    const client = makeClient();
    await expect(client.code2Session('dev:o_dev')).resolves.toEqual({ openid: 'o_dev' });
    await expect(client.code2Session('dev:o_dev:u_dev')).resolves.toEqual({ openid: 'o_dev', unionid: 'u_dev' });
  });

  it('never returns or logs the session_key, and keeps the secret out of the call record', async () => {
    const client = makeClient();
    const session = await client.code2Session(fake.issueLoginCode('o_leak', { unionid: 'u_leak' }));
    await client.code2Session('used-or-unknown').catch(() => undefined);

    const [sessionKey] = fake.issuedSessionKeys();
    expect(sessionKey).toBeTruthy();
    expect(Object.keys(session).sort()).toEqual(['openid', 'unionid']);
    const logged = logLines.join('\n');
    expect(logged).not.toContain(sessionKey);
    expect(logged).not.toContain('session_key');
    expect(logged).not.toContain(MP.secret);
    expect(JSON.stringify(fake.calls())).not.toContain(MP.secret);
  });

  it('maps a wrong AppSecret to WechatApiError 40125', async () => {
    const client = new WechatApiClient({ apiBase: fake.url, tokens: makeTokens(), logger, mpAppid: MP.appid, mpSecret: 'wrong' });
    await expect(client.code2Session('dev:o_x')).rejects.toMatchObject({ name: 'WechatApiError', errcode: 40125 });
  });

  it.each([45011, 40226, -1])('maps errcode %d to WechatApiError', async (errcode) => {
    fake.inject({ path: '/sns/jscode2session', errcode });
    await expect(makeClient().code2Session('dev:o_x')).rejects.toMatchObject({ name: 'WechatApiError', errcode });
  });
});

describe('getPhoneNumber and officialAccountUser', () => {
  it('returns the phone of a single-use phone code', async () => {
    const client = makeClient();
    const code = fake.issuePhoneCode('13812345678');
    await expect(client.getPhoneNumber(code)).resolves.toEqual({ purePhoneNumber: '13812345678', countryCode: '86' });
    await expect(client.getPhoneNumber(code)).rejects.toMatchObject({ errcode: 40029 });
    await expect(client.getPhoneNumber('devphone:13900001111')).resolves.toEqual({ purePhoneNumber: '13900001111', countryCode: '86' });
  });

  it("uses the official account's own token for cgi-bin/user/info", async () => {
    const client = makeClient();
    fake.setOfficialAccountUser('oa_open_1', { subscribed: true, unionid: 'u_family_1' });
    await expect(client.officialAccountUser('oa_open_1')).resolves.toEqual({ subscribed: true, unionid: 'u_family_1' });
    await expect(client.officialAccountUser('oa_stranger')).resolves.toEqual({ subscribed: false });
    const appids = fake.calls({ path: '/cgi-bin/stable_token' }).map((c) => (c.body as { appid: string }).appid);
    expect(appids).toEqual([OA.appid]);
  });
});

describe('access tokens', () => {
  it('caches the token in Redis with TTL expires_in − margin, shared by two clients (one stable_token call)', async () => {
    await makeClient().getPhoneNumber('devphone:13812345678');
    await makeClient().getPhoneNumber('devphone:13812345678');

    expect(tokenCalls()).toBe(1);
    const key = tokenRedisKey(prefix, MP.appid);
    expect(await redis.get(key)).toMatch(/^fake_stable_/);
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(6800);
    expect(ttl).toBeLessThanOrEqual(7200 - 300);
  });

  it('refreshes once for many concurrent calls, in one process and across processes', async () => {
    const tokens = makeTokens();
    const client = makeClient({ tokens });
    const other = makeClient(); // a second "process": its own in-flight map, the same Redis
    await Promise.all([
      ...Array.from({ length: 10 }, () => client.getPhoneNumber('devphone:13812345678')),
      ...Array.from({ length: 5 }, () => other.getPhoneNumber('devphone:13812345678')),
    ]);
    expect(tokenCalls()).toBe(1);
    expect(fake.calls({ path: PHONE_PATH })).toHaveLength(15);
  });

  it('after an injected 40001 drops the token, refreshes and retries once', async () => {
    const client = makeClient();
    await client.getPhoneNumber('devphone:13812345678');
    fake.inject({ path: PHONE_PATH, errcode: 40001 });

    await expect(client.getPhoneNumber('devphone:13812345678')).resolves.toMatchObject({ purePhoneNumber: '13812345678' });
    expect(fake.calls({ path: PHONE_PATH }).map((c) => c.errcode)).toEqual([0, 40001, 0]);
    // The cache was dropped and refreshed once (normal mode hands back the still-valid token).
    expect(tokenCalls()).toBe(2);
  });

  it('recovers from a token rotated elsewhere (40001) and from an expired token (42001)', async () => {
    const client = makeClient();
    await client.getPhoneNumber('devphone:13812345678');
    fake.rotateToken(MP.appid);
    await expect(client.getPhoneNumber('devphone:13812345678')).resolves.toBeDefined();
    fake.expireTokens(MP.appid);
    await expect(client.getPhoneNumber('devphone:13812345678')).resolves.toBeDefined();

    expect(fake.calls({ path: PHONE_PATH }).map((c) => c.errcode)).toEqual([0, 40001, 0, 42001, 0]);
    expect(tokenCalls()).toBe(3);
  });

  it('gives up with WechatApiError after exactly one retry when 40001 repeats', async () => {
    fake.inject({ path: PHONE_PATH, errcode: 40001, times: 2 });
    await expect(makeClient().getPhoneNumber('devphone:13812345678')).rejects.toMatchObject({ name: 'WechatApiError', errcode: 40001 });
    expect(fake.calls({ path: PHONE_PATH })).toHaveLength(2);
  });

  it('invalidates only the token that failed (compare-and-delete)', async () => {
    const tokens = makeTokens();
    const first = await tokens.get('mp');
    fake.rotateToken(MP.appid);
    await tokens.invalidate('mp', first);
    const second = await tokens.get('mp');
    expect(second).not.toBe(first);

    await tokens.invalidate('mp', first); // a late report about the old token
    expect(await redis.get(tokenRedisKey(prefix, MP.appid))).toBe(second);
    expect(tokenCalls()).toBe(2);
  });

  it('falls back to an in-process cache with one warning when Redis is down', async () => {
    const client = makeClient({ redis: deadRedis });
    await client.getPhoneNumber('devphone:13812345678');
    await client.getPhoneNumber('devphone:13812345678');
    await client.code2Session('dev:o_without_redis');

    expect(tokenCalls()).toBe(1);
    const warnings = logLines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40 && /Redis unavailable/.test(l.msg));
    expect(warnings).toHaveLength(1);
  });
});

describe('unavailability', () => {
  it.each([
    ['a 5xx', { httpStatus: 503 }],
    ['a body that is not JSON', { malformed: true }],
    ['a timeout', { delayMs: 400 }],
  ])('maps %s to WechatUnavailableError', async (_name, rule) => {
    fake.inject({ path: '/sns/jscode2session', ...rule });
    const err = await makeClient({ timeoutMs: 150 })
      .code2Session('dev:o_x')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WechatUnavailableError);
    expect((err as Error).message).not.toContain(MP.secret);
  });

  it('maps a failing stable_token (5xx) to WechatUnavailableError', async () => {
    fake.inject({ path: '/cgi-bin/stable_token', httpStatus: 502 });
    await expect(makeClient().getPhoneNumber('devphone:13812345678')).rejects.toBeInstanceOf(WechatUnavailableError);
  });

  it('maps a refused connection to WechatUnavailableError', async () => {
    const client = new WechatApiClient({ apiBase: 'http://127.0.0.1:1', tokens: makeTokens(), logger, mpAppid: MP.appid, mpSecret: MP.secret });
    await expect(client.code2Session('dev:o_x')).rejects.toBeInstanceOf(WechatUnavailableError);
  });
});

describe('callWechat (reused by issue #5 messages)', () => {
  it('sends a template message with the official-account token and retries a token error once', async () => {
    const api = { apiBase: fake.url, tokens: makeTokens(), logger };
    fake.inject({ path: '/cgi-bin/message/template/send', errcode: 42001 });
    const answer = await callWechat<{ msgid: number }>(api, {
      method: 'POST',
      path: '/cgi-bin/message/template/send',
      token: 'oa',
      body: { touser: 'oa_open_1', template_id: 'T1', data: { thing1: { value: '张三的申请已通过' } }, client_msg_id: 'review-42' },
    });
    expect(answer.msgid).toBeGreaterThan(0);
    expect(fake.messages({ kind: 'template' })).toEqual([
      expect.objectContaining({ appid: OA.appid, touser: 'oa_open_1', template_id: 'T1', violations: [] }),
    ]);
  });

  it('is what the factory wires from configuration', () => {
    const client = createWechatClient(
      {
        WECHAT_API_BASE: fake.url,
        WECHAT_MP_APPID: MP.appid,
        WECHAT_MP_SECRET: MP.secret,
        WECHAT_OA_APPID: OA.appid,
        WECHAT_OA_SECRET: OA.secret,
        WECHAT_TOKEN_REFRESH_MARGIN_S: 300,
        QUEUE_PREFIX: prefix,
      },
      { redis, logger },
    );
    expect(client).toBeInstanceOf(WechatApiClient);
  });
});
