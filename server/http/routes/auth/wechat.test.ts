import { eq } from 'drizzle-orm';
import { accounts, wechatOaUsers } from '../../../db/schema';
import { agreement, createHarness, GOOD_PASSWORD, randomPhone, randomUsername, type Harness } from './auth-test-support';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

async function ticketPayloads(): Promise<Record<string, unknown>[]> {
  const keys = await h.ctx.redis.keys(`${h.ctx.config.QUEUE_PREFIX}:auth:ticket:wechat:*`);
  const values = keys.length ? await h.ctx.redis.mget(...keys) : [];
  return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as Record<string, unknown>);
}

describe('POST /api/auth/wechat/login', () => {
  it('unbound → wechatTicket → register binds it (and the official account by unionid) → bound sign-in', async () => {
    const openid = randomUsername('o');
    const unionid = randomUsername('un');
    const oaOpenid = randomUsername('oa');
    await h.ctx.db.insert(wechatOaUsers).values({ unionid, oaOpenid });

    const first = await h.client().post('/api/auth/wechat/login', { code: `dev:${openid}:${unionid}` });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ bound: false, wechatTicket: expect.any(String), expiresIn: 600 });
    expect(first.headers['cache-control']).toBe('no-store');
    const stored = (await ticketPayloads()).find((p) => p.openid === openid);
    expect(stored).toEqual({ openid, unionid });
    expect(JSON.stringify(await ticketPayloads())).not.toContain(first.body.wechatTicket);

    const phone = randomPhone();
    const smsCode = await h.code(phone, 'register');
    const username = randomUsername();
    const reg = await h.client().post('/api/auth/register', {
      identity: 'parent',
      phone,
      smsCode,
      username,
      password: GOOD_PASSWORD,
      agreement,
      channel: 'weapp',
      wechatTicket: first.body.wechatTicket,
    });
    expect(reg.status).toBe(201);
    expect(reg.body.account.wechatBound).toBe(true);
    const [row] = await h.ctx.db.select().from(accounts).where(eq(accounts.id, reg.body.account.id));
    expect([row!.wechatMpOpenid, row!.wechatUnionid, row!.wechatOaOpenid]).toEqual([openid, unionid, oaOpenid]);

    const again = await h.client().post('/api/auth/wechat/login', { code: `dev:${openid}:${unionid}` });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ bound: true, token: expect.any(String), account: { id: row!.id, username } });
    expect((await h.client().get('/api/me', again.body.token)).status).toBe(200);
    // The ticket was spent by the registration.
    expect((await ticketPayloads()).find((p) => p.openid === openid)).toBeUndefined();
  });

  it('refuses an unknown wechat ticket at registration', async () => {
    const phone = randomPhone();
    const smsCode = await h.code(phone, 'register');
    const res = await h.client().post('/api/auth/register', {
      identity: 'parent',
      phone,
      smsCode,
      username: randomUsername(),
      password: GOOD_PASSWORD,
      agreement,
      wechatTicket: 'x'.repeat(43),
    });
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toEqual({ 'body.wechatTicket': '验证已过期，请重新操作' });
  });

  it('answers 400 WECHAT_CODE_INVALID for a bad code (40029) and 503 WECHAT_UNAVAILABLE when WeChat is down', async () => {
    const bad = await h.client().post('/api/auth/wechat/login', { code: 'not-a-dev-code' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toEqual({
      code: 'WECHAT_CODE_INVALID',
      message: '微信登录凭证无效，请重试',
      fields: { 'body.code': '微信登录凭证无效，请重试' },
    });
    h.fakeWechat.inject({ path: '/sns/jscode2session', httpStatus: 502 });
    const down = await h.client().post('/api/auth/wechat/login', { code: 'dev:someone' });
    expect(down.status).toBe(503);
    expect(down.body.error.code).toBe('WECHAT_UNAVAILABLE');
    expect(down.headers['retry-after']).toBe('5');
    h.fakeWechat.inject({ path: '/sns/jscode2session', errcode: -1, errmsg: 'system error' });
    expect((await h.client().post('/api/auth/wechat/login', { code: 'dev:someone' })).body.error.code).toBe('WECHAT_UNAVAILABLE');
  });
});

describe('POST /api/auth/wechat/phone', () => {
  it('answers WECHAT_CODE_INVALID for a bad phone code', async () => {
    const res = await h.client().post('/api/auth/wechat/phone', { code: 'devphone:123' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('WECHAT_CODE_INVALID');
  });
});

describe('POST /api/me/wechat', () => {
  it('binds the signed-in account; another account cannot take the same WeChat user', async () => {
    const acc = await h.registerAccount();
    const openid = randomUsername('o');
    const res = await h.client().post('/api/me/wechat', { code: `dev:${openid}` }, acc.token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: acc.accountId, wechatBound: true });
    const login = await h.client().post('/api/auth/wechat/login', { code: `dev:${openid}` });
    expect(login.body).toMatchObject({ bound: true, account: { id: acc.accountId } });

    const other = await h.registerAccount();
    const conflict = await h.client().post('/api/me/wechat', { code: `dev:${openid}` }, other.token);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('WECHAT_ALREADY_BOUND');
    // Binding again to the same account is fine.
    expect((await h.client().post('/api/me/wechat', { code: `dev:${openid}` }, acc.token)).status).toBe(200);
  });

  it('fills the official-account openid through the unionid', async () => {
    const acc = await h.registerAccount();
    const unionid = randomUsername('un');
    const oaOpenid = randomUsername('oa');
    await h.ctx.db.insert(wechatOaUsers).values({ unionid, oaOpenid });
    expect((await h.client().post('/api/me/wechat', { code: `dev:${randomUsername('o')}:${unionid}` }, acc.token)).status).toBe(200);
    const [row] = await h.ctx.db.select().from(accounts).where(eq(accounts.id, acc.accountId));
    expect(row!.wechatOaOpenid).toBe(oaOpenid);
  });

  it('needs a session', async () => {
    expect((await h.client().post('/api/me/wechat', { code: 'dev:x' })).status).toBe(401);
  });
});
