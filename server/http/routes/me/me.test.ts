import { createHmac } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { accounts, auditLog, sessions } from '../../../db/schema';
import { defineRoute } from '../../route';
import { allRoutes } from '..';
import { createHarness, GOOD_PASSWORD, type Harness } from '../auth/auth-test-support';

const staffOnly = defineRoute({
  method: 'get',
  path: '/api/test/staff-only',
  operationId: 'testStaffOnly',
  summary: 'test only',
  tags: ['test'],
  access: { roles: ['teacher', 'school_admin'] },
  responses: { 200: { description: 'ok' } },
  handler: ({ koa, auth }) => {
    koa.body = { role: auth!.account.role };
  },
});
const whoami = defineRoute({
  method: 'get',
  path: '/api/test/whoami',
  operationId: 'testWhoami',
  summary: 'test only',
  tags: ['test'],
  access: 'public',
  responses: { 200: { description: 'ok' } },
  handler: ({ koa, auth }) => {
    koa.body = { accountId: auth?.account.id ?? null };
  },
});

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ routes: [...allRoutes, staffOnly, whoami] });
});
afterAll(async () => {
  await h.close();
});

async function sessionRow(token: string) {
  const hash = createHmac('sha256', h.ctx.config.SESSION_SECRET).update(token).digest('base64url');
  const [row] = await h.ctx.db.select().from(sessions).where(eq(sessions.tokenHash, hash));
  return row!;
}

describe('sessions and the authentication step', () => {
  it('stores only the HMAC of the token', async () => {
    const acc = await h.registerAccount();
    const rows = await h.ctx.db.select().from(sessions).where(eq(sessions.accountId, acc.accountId));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).not.toBe(acc.token);
    expect(JSON.stringify(rows)).not.toContain(acc.token);
    expect((await sessionRow(acc.token)).id).toBe(rows[0]!.id);
    expect(rows[0]!.expiresAt.getTime() - rows[0]!.createdAt.getTime()).toBe(7 * 24 * 3600 * 1000);
  });

  it('GET /api/me answers the account with the phone masked', async () => {
    const acc = await h.registerAccount();
    const res = await h.client().get('/api/me', acc.token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: acc.accountId,
      role: 'parent',
      username: acc.username,
      displayName: null,
      phoneMasked: `${acc.phone.slice(0, 3)}****${acc.phone.slice(7)}`,
      wechatBound: false,
      schoolId: null,
    });
  });

  it('answers 401 UNAUTHENTICATED without a token and 401 SESSION_EXPIRED for an unknown one', async () => {
    const none = await h.client().get('/api/me');
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('UNAUTHENTICATED');
    expect(none.headers['www-authenticate']).toBe('Bearer');
    const basic = await h.client().get('/api/me').set('Authorization', 'Basic dXNlcjpwYXNz');
    expect(basic.body.error.code).toBe('UNAUTHENTICATED');
    for (const token of ['garbage', 'A'.repeat(43)]) {
      const res = await h.client().get('/api/me', token);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('SESSION_EXPIRED');
      expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    }
  });

  it('checks the session before the input: a bad body of a signed-out caller is 401, not 400', async () => {
    const res = await h.client().post('/api/me/password', { nonsense: true });
    expect(res.status).toBe(401);
  });

  it('resolves a token on public routes and ignores an invalid one there', async () => {
    const acc = await h.registerAccount();
    expect((await h.client().get('/api/test/whoami', acc.token)).body).toEqual({ accountId: acc.accountId });
    const stale = await h.client().get('/api/test/whoami', 'A'.repeat(43));
    expect(stale.status).toBe(200);
    expect(stale.body).toEqual({ accountId: null });
  });

  it('answers 403 FORBIDDEN to a role the route does not list', async () => {
    const acc = await h.registerAccount();
    const res = await h.client().get('/api/test/staff-only', acc.token);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
    await h.ctx.db.update(accounts).set({ role: 'teacher' }).where(eq(accounts.id, acc.accountId));
    expect((await h.client().get('/api/test/staff-only', acc.token)).body).toEqual({ role: 'teacher' });
  });

  it('answers SESSION_EXPIRED for an expired session and for a disabled account', async () => {
    const acc = await h.registerAccount();
    const row = await sessionRow(acc.token);
    await h.ctx.db.update(sessions).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(sessions.id, row.id));
    expect((await h.client().get('/api/me', acc.token)).body.error.code).toBe('SESSION_EXPIRED');

    const other = await h.registerAccount();
    await h.ctx.db.update(accounts).set({ status: 'disabled' }).where(eq(accounts.id, other.accountId));
    expect((await h.client().get('/api/me', other.token)).body.error.code).toBe('SESSION_EXPIRED');
  });

  it('slides the expiry when the last use is older than 10 minutes, and writes nothing within them', async () => {
    const acc = await h.registerAccount();
    const row = await sessionRow(acc.token);
    const oneHourLeft = new Date(Date.now() + 3600_000);
    const fiveMinutesAgo = new Date(Date.now() - 5 * 60_000);
    await h.ctx.db.update(sessions).set({ lastSeenAt: fiveMinutesAgo, expiresAt: oneHourLeft }).where(eq(sessions.id, row.id));
    expect((await h.client().get('/api/me', acc.token)).status).toBe(200);
    const untouched = await sessionRow(acc.token);
    expect(untouched.expiresAt.getTime()).toBe(oneHourLeft.getTime());
    expect(untouched.lastSeenAt.getTime()).toBe(fiveMinutesAgo.getTime());

    await h.ctx.db.update(sessions).set({ lastSeenAt: new Date(Date.now() - 11 * 60_000) }).where(eq(sessions.id, row.id));
    const before = Date.now();
    expect((await h.client().get('/api/me', acc.token)).status).toBe(200);
    const slid = await sessionRow(acc.token);
    expect(slid.lastSeenAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(slid.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 7 * 24 * 3600_000 - 1000);
  });

  it('POST /api/auth/logout revokes the session', async () => {
    const acc = await h.registerAccount();
    const res = await h.client().post('/api/auth/logout', {}, acc.token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    expect((await sessionRow(acc.token)).revokedAt).not.toBeNull();
    expect((await h.client().get('/api/me', acc.token)).body.error.code).toBe('SESSION_EXPIRED');
  });
});

describe('POST /api/me/password', () => {
  it('changes the password, revokes every session and returns a new one; the old password stops working', async () => {
    const acc = await h.registerAccount();
    const second = await h.client().post('/api/auth/login', { login: acc.username, password: acc.password });
    const newPassword = 'Green-hill-58';
    const res = await h.client().post('/api/me/password', { currentPassword: acc.password, newPassword }, acc.token);
    expect(res.status).toBe(200);
    expect(res.body.token).not.toBe(acc.token);
    expect(res.body.account.id).toBe(acc.accountId);

    expect((await h.client().get('/api/me', acc.token)).body.error.code).toBe('SESSION_EXPIRED');
    expect((await h.client().get('/api/me', second.body.token)).body.error.code).toBe('SESSION_EXPIRED');
    expect((await h.client().get('/api/me', res.body.token)).status).toBe(200);
    expect((await h.client().post('/api/auth/login', { login: acc.username, password: acc.password })).status).toBe(401);
    expect((await h.client().post('/api/auth/login', { login: acc.username, password: newPassword })).status).toBe(200);
    const audit = await h.ctx.db.select().from(auditLog).where(eq(auditLog.subjectId, acc.accountId));
    expect(audit.map((a) => a.action)).toContain('account.password_changed');
  });

  it('refuses a wrong current password on its field, and a new one containing the username', async () => {
    const acc = await h.registerAccount();
    const wrong = await h.client().post('/api/me/password', { currentPassword: 'Nope-nope-1', newPassword: 'Green-hill-58' }, acc.token);
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.fields).toEqual({ 'body.currentPassword': '当前密码不正确' });
    const contains = await h.client().post(
      '/api/me/password',
      { currentPassword: acc.password, newPassword: `${acc.username}-X1` },
      acc.token,
    );
    expect(contains.status).toBe(400);
    expect(contains.body.error.fields).toEqual({ 'body.newPassword': '密码不能包含用户名或手机号' });
    const weak = await h.client().post('/api/me/password', { currentPassword: acc.password, newPassword: '12345678' }, acc.token);
    expect(weak.body.error.fields).toEqual({ 'body.newPassword': '密码至少包含字母、数字、符号中的两类' });
    // Nothing changed: the session still works.
    expect((await h.client().get('/api/me', acc.token)).status).toBe(200);
  });

  it('limits wrong current passwords to 5 per 15 minutes per account', async () => {
    const acc = await h.registerAccount();
    for (let i = 0; i < 5; i += 1) {
      expect((await h.client().post('/api/me/password', { currentPassword: `Nope-${i}-x`, newPassword: 'Green-hill-58' }, acc.token)).status).toBe(400);
    }
    const res = await h.client().post('/api/me/password', { currentPassword: acc.password, newPassword: 'Green-hill-58' }, acc.token);
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe('RATE_LIMITED');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(800);
  });

  it('needs a session', async () => {
    const res = await h.client().post('/api/me/password', { currentPassword: GOOD_PASSWORD, newPassword: 'Green-hill-58' });
    expect(res.status).toBe(401);
  });
});
