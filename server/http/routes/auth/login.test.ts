import { and, eq } from 'drizzle-orm';
import { accounts, auditLog } from '../../../db/schema';
import { accountGuardKey } from '../../../security/login-guard';
import { CAPTCHA_TEXT, createHarness, GOOD_PASSWORD, randomIp, randomUsername, type Client, type Harness } from './auth-test-support';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

function login(client: Client, body: Record<string, unknown>) {
  return client.post('/api/auth/login', body);
}

async function captcha(client: Client): Promise<string> {
  const res = await client.get('/api/auth/captcha');
  expect(res.status).toBe(200);
  return res.body.captchaId as string;
}

/** What must be equal between two failure responses: status, body bytes and the headers that are not per request. */
function comparable(res: { status: number; text: string; headers: Record<string, string> }) {
  const { 'x-request-id': _id, date: _date, ...headers } = res.headers;
  return { status: res.status, text: res.text, headers };
}

describe('POST /api/auth/login', () => {
  it('signs in by username in any letter case and by phone', async () => {
    const acc = await h.registerAccount({ username: randomUsername('Li') });
    const byName = await login(h.client(), { login: acc.username.toUpperCase(), password: acc.password });
    expect(byName.status).toBe(200);
    expect(byName.body.account.id).toBe(acc.accountId);
    expect(byName.headers['cache-control']).toBe('no-store');
    const byPhone = await login(h.client(), { login: `+86 ${acc.phone.slice(0, 3)} ${acc.phone.slice(3)}`, password: acc.password });
    expect(byPhone.status).toBe(200);
    expect(byPhone.body.account.id).toBe(acc.accountId);
    const audit = await h.ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.subjectId, acc.accountId), eq(auditLog.action, 'account.login')));
    expect(audit).toHaveLength(2);
    expect(JSON.stringify(audit)).not.toContain(acc.password);
    expect(JSON.stringify(audit)).not.toContain(acc.phone);
  });

  it('signs into the one account of a shared phone whose password matches; an ambiguous match fails', async () => {
    const parent = await h.registerAccount();
    const student = await h.registerAccount({ phone: parent.phone, identity: 'student', password: 'Other-pass-77' });
    const asStudent = await login(h.client(), { login: parent.phone, password: 'Other-pass-77' });
    expect(asStudent.body.account.id).toBe(student.accountId);
    const asParent = await login(h.client(), { login: parent.phone, password: parent.password });
    expect(asParent.body.account.id).toBe(parent.accountId);

    const shared = await h.registerAccount();
    await h.registerAccount({ phone: shared.phone, identity: 'student', password: shared.password });
    const ambiguous = await login(h.client(), { login: shared.phone, password: shared.password });
    expect(ambiguous.status).toBe(401);
    expect(ambiguous.body.error.code).toBe('INVALID_CREDENTIALS');
  });

  it('answers an unknown user exactly like a wrong password, up to the captcha after 3 failures', async () => {
    const acc = await h.registerAccount();
    const unknown = randomUsername('ghost');
    const known = h.client();
    const other = h.client();
    for (let i = 1; i <= 3; i += 1) {
      const a = await login(known, { login: acc.username, password: `Wrong-pass-${i}` });
      const b = await login(other, { login: unknown, password: `Wrong-pass-${i}` });
      expect(a.status).toBe(401);
      expect(comparable(a)).toEqual(comparable(b));
      expect(a.text).toBe(`{"error":{"code":"INVALID_CREDENTIALS","message":"用户名或密码错误，还可尝试 ${5 - i} 次","remainingAttempts":${5 - i}}}`);
    }
    const a = await login(known, { login: acc.username, password: acc.password });
    const b = await login(other, { login: unknown, password: acc.password });
    expect(a.status).toBe(400);
    expect(comparable(a)).toEqual(comparable(b));
    expect(a.body.error).toEqual({
      code: 'CAPTCHA_REQUIRED',
      message: '请输入图形验证码',
      fields: { 'body.captchaAnswer': '请输入图形验证码' },
      remainingAttempts: 2,
    });
  });

  it('accepts the right password with a solved captcha; a wrong or reused captcha is refused', async () => {
    const acc = await h.registerAccount();
    const client = h.client();
    for (let i = 0; i < 3; i += 1) await login(client, { login: acc.username, password: 'Wrong-pass-1' });

    const wrong = await login(client, { login: acc.username, password: acc.password, captchaId: await captcha(client), captchaAnswer: 'XXXX' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('CAPTCHA_INVALID');
    expect(wrong.body.error.fields).toEqual({ 'body.captchaAnswer': '图形验证码错误，请重新输入' });

    const captchaId = await captcha(client);
    const ok = await login(client, { login: acc.username, password: acc.password, captchaId, captchaAnswer: CAPTCHA_TEXT.toLowerCase() });
    expect(ok.status).toBe(200);
    // Single use.
    expect(await h.sec.captcha.verify(captchaId, CAPTCHA_TEXT)).toBe(false);
    // Success cleared the failures: no captcha needed any more.
    expect((await login(client, { login: acc.username, password: acc.password })).status).toBe(200);
  });

  it('serves a captcha as a PNG raster without the answer (no SVG paths to read)', async () => {
    const res = await h.client().get('/api/auth/captcha');
    expect(res.body.image).toMatch(/^data:image\/png;base64,/);
    const png = Buffer.from(res.body.image.slice('data:image/png;base64,'.length), 'base64');
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16)).toBe(120);
    expect(png.readUInt32BE(20)).toBe(44);
    expect(res.text).not.toContain('<svg');
    // Two renderings of the same text differ (random distortion).
    expect((await h.client().get('/api/auth/captcha')).body.image).not.toBe(res.body.image);
    expect(res.body.expiresIn).toBe(300);
    expect(res.text).not.toContain(CAPTCHA_TEXT);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('delays sign-in from the 5th failure on (60 s, doubling), even for the right password, known or unknown alike', async () => {
    const acc = await h.registerAccount();
    const unknown = randomUsername('ghost');
    const fail = async (name: string, i: number) => {
      const client = h.client();
      const withCaptcha = i > 3 ? { captchaId: await captcha(client), captchaAnswer: CAPTCHA_TEXT } : {};
      return login(client, { login: name, password: 'Wrong-pass-9', ...withCaptcha });
    };
    for (let i = 1; i <= 4; i += 1) {
      expect((await fail(acc.username, i)).status).toBe(401);
      expect((await fail(unknown, i)).status).toBe(401);
    }
    const fifthKnown = await fail(acc.username, 5);
    const fifthUnknown = await fail(unknown, 5);
    expect(fifthKnown.status).toBe(429);
    expect(comparable(fifthKnown)).toEqual(comparable(fifthUnknown));
    expect(fifthKnown.body.error.code).toBe('ACCOUNT_LOCKED');
    expect(fifthKnown.headers['retry-after']).toBe('60');
    expect(fifthKnown.body.error.message).toBe('密码错误次数过多，请 60 秒后再试，或用短信验证码重置密码');

    const client = h.client();
    const right = await login(client, { login: acc.username, password: acc.password, captchaId: await captcha(client), captchaAnswer: CAPTCHA_TEXT });
    expect(right.status).toBe(429);
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(50);

    // The delay lives in Redis with a TTL: end it as the minute would.
    await h.ctx.redis.del(h.sec.loginGuard.redisKeys(accountGuardKey(acc.accountId)).delay);
    const c2 = h.client();
    const after = await login(c2, { login: acc.username, password: acc.password, captchaId: await captcha(c2), captchaAnswer: CAPTCHA_TEXT });
    expect(after.status).toBe(200);

    const failures = await h.ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.subjectId, acc.accountId), eq(auditLog.action, 'account.login_failed')));
    expect(failures).toHaveLength(5);
    expect(failures.every((f) => f.success === false)).toBe(true);
    expect(JSON.stringify(failures)).not.toContain('Wrong-pass');
    expect(JSON.stringify(failures)).not.toContain(acc.username);
    expect((failures[0]!.detail as { login: string }).login).toBe(`${acc.username.slice(0, 2)}***${acc.username.slice(-2)}`);
  });

  it('counts failures by phone and by username on the one counter of the account', async () => {
    const acc = await h.registerAccount();
    for (let i = 0; i < 3; i += 1) await login(h.client(), { login: acc.phone, password: 'Wrong-pass-1' });
    expect((await login(h.client(), { login: acc.phone, password: acc.password })).body.error.code).toBe('CAPTCHA_REQUIRED');
    expect((await login(h.client(), { login: acc.username, password: acc.password })).body.error.code).toBe('CAPTCHA_REQUIRED');
  });

  it('limits failed sign-ins per client IP to 30 per 15 minutes (successes do not count)', async () => {
    const client = h.client(randomIp());
    const acc = await h.registerAccount();
    for (let i = 0; i < 40; i += 1) expect((await login(client, { login: acc.username, password: acc.password })).status).toBe(200);
    for (let i = 0; i < 30; i += 1) {
      expect((await login(client, { login: randomUsername('spray'), password: GOOD_PASSWORD })).status).toBe(401);
    }
    const res = await login(client, { login: randomUsername('spray'), password: GOOD_PASSWORD });
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe('RATE_LIMITED');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(800);
    expect(res.body.error.message).toMatch(/^操作过于频繁，请 1[45] 分钟后再试$/);
    // Even the right password of an unlocked account waits: the address is spraying.
    expect((await login(client, { login: acc.username, password: acc.password })).status).toBe(429);
    expect((await login(h.client(), { login: acc.username, password: acc.password })).status).toBe(200);
    // 72 sign-ins, 40 of them hashing a password with argon2: seconds of CPU on a busy machine.
  }, 120_000);

  it('refuses a disabled account with the right password, without revealing it to a wrong one', async () => {
    const acc = await h.registerAccount();
    await h.ctx.db.update(accounts).set({ status: 'disabled' }).where(eq(accounts.id, acc.accountId));
    expect((await login(h.client(), { login: acc.username, password: 'Wrong-pass-1' })).body.error.code).toBe('INVALID_CREDENTIALS');
    const res = await login(h.client(), { login: acc.username, password: acc.password });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('ACCOUNT_DISABLED');
  });
});
