import { eq } from 'drizzle-orm';
import { accountAgreements, accounts, auditLog } from '../../../db/schema';
import { agreement, createHarness, GOOD_PASSWORD, randomPhone, randomUsername, type Harness } from './auth-test-support';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

async function registerBody(overrides: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const phone = (overrides.phone as string | undefined) ?? randomPhone();
  const smsCode = 'smsCode' in overrides ? overrides.smsCode : await h.code(phone, 'register');
  return { identity: 'parent', phone, smsCode, username: randomUsername(), password: GOOD_PASSWORD, agreement, channel: 'weapp', ...overrides };
}

describe('POST /api/auth/register', () => {
  it('creates the account, records both agreements and the audit row, and signs in (201)', async () => {
    const body = await registerBody({ username: `Zhang${randomUsername('')}` });
    const client = h.client();
    const res = await client.post('/api/auth/register', body);
    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.body.account).toEqual({
      id: expect.any(String),
      role: 'parent',
      username: body.username,
      displayName: null,
      phoneMasked: `${String(body.phone).slice(0, 3)}****${String(body.phone).slice(7)}`,
      wechatBound: false,
      schoolId: null,
    });
    expect(JSON.stringify(res.body)).not.toContain(body.phone as string);

    const [row] = await h.ctx.db.select().from(accounts).where(eq(accounts.id, res.body.account.id));
    expect(row!.usernameKey).toBe(String(body.username).toLowerCase());
    expect(row!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(row!.phoneCipher).not.toContain(body.phone as string);
    expect(row!.phoneIndex).toBe(h.ctx.pii.blindIndex('phone', body.phone as string));

    const agreements = await h.ctx.db.select().from(accountAgreements).where(eq(accountAgreements.accountId, row!.id));
    expect(agreements.map((a) => [a.document, a.version, a.channel, a.ip]).sort()).toEqual([
      ['children_rules', agreement.childrenRulesVersion, 'weapp', client.ip],
      ['privacy_policy', agreement.privacyPolicyVersion, 'weapp', client.ip],
    ]);
    const audit = await h.ctx.db.select().from(auditLog).where(eq(auditLog.subjectId, row!.id));
    expect(audit.map((a) => a.action)).toEqual(['account.registered']);
    expect(JSON.stringify(audit)).not.toContain(body.phone as string);

    const me = await h.client().get('/api/me', res.body.token);
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(row!.id);
  });

  it.each([
    ['too short', 'Ab1!', '密码长度应为 8–32 位'],
    ['one character class', 'abcdefghij', '密码至少包含字母、数字、符号中的两类'],
    ['common', 'password123', '密码过于常见，请换一个'],
  ])('rejects a %s password with the field message', async (_name, password, message) => {
    const res = await h.client().post('/api/auth/register', await registerBody({ password }));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.fields).toEqual({ 'body.password': message });
  });

  it('rejects a password containing the username or the phone number, and the code stays usable', async () => {
    const username = randomUsername('li');
    const phone = randomPhone();
    const smsCode = await h.code(phone, 'register');
    for (const password of [`${username.toUpperCase()}-1`, `x${phone}!`]) {
      const res = await h.client().post('/api/auth/register', await registerBody({ phone, smsCode, username, password }));
      expect(res.status).toBe(400);
      expect(res.body.error.fields).toEqual({ 'body.password': '密码不能包含用户名或手机号' });
    }
    expect((await h.client().post('/api/auth/register', await registerBody({ phone, smsCode, username }))).status).toBe(201);
  });

  it('rejects an agreement that is missing or of another version', async () => {
    const res = await h.client().post(
      '/api/auth/register',
      await registerBody({ agreement: { ...agreement, privacyPolicyVersion: '2020-01-01' } }),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.fields['body.agreement.privacyPolicyVersion']).toBe('请阅读并同意《隐私政策》和《儿童个人信息保护规则》');
  });

  it('rejects a username taken in another letter case (409 on username) without spending the code', async () => {
    const { username } = await h.registerAccount({ username: randomUsername('Wang') });
    const phone = randomPhone();
    const smsCode = await h.code(phone, 'register');
    const res = await h.client().post('/api/auth/register', await registerBody({ phone, smsCode, username: username.toUpperCase() }));
    expect(res.status).toBe(409);
    expect(res.body.error).toEqual({
      code: 'USERNAME_TAKEN',
      message: '该用户名已被使用，请换一个',
      fields: { 'body.username': '该用户名已被使用，请换一个' },
    });
    expect((await h.client().post('/api/auth/register', await registerBody({ phone, smsCode }))).status).toBe(201);
  });

  it('maps a race on the unique username index to 409 USERNAME_TAKEN', async () => {
    const username = randomUsername('race');
    const bodies = await Promise.all([registerBody({ username }), registerBody({ username: username.toUpperCase() })]);
    const results = await Promise.all(bodies.map((b) => h.client().post('/api/auth/register', b)));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(results.find((r) => r.status === 409)!.body.error.fields).toEqual({ 'body.username': '该用户名已被使用，请换一个' });
  });

  it('refuses a wrong SMS code and asks for one when neither a code nor a phone ticket is sent', async () => {
    const wrong = await h.client().post('/api/auth/register', await registerBody({ smsCode: '000000' }));
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.fields).toEqual({ 'body.smsCode': '验证码错误或已失效，请重新获取' });
    const none = await h.client().post('/api/auth/register', await registerBody({ smsCode: undefined }));
    expect(none.status).toBe(400);
    expect(none.body.error.fields).toEqual({ 'body.smsCode': '请输入 6 位数字验证码' });
  });

  it('allows several accounts on one phone (a parent and a student)', async () => {
    const phone = randomPhone();
    await h.registerAccount({ phone });
    const second = await h.registerAccount({ phone, identity: 'student' });
    const rows = await h.ctx.db.select().from(accounts).where(eq(accounts.phoneIndex, h.ctx.pii.blindIndex('phone', phone)));
    expect(rows.map((r) => r.role).sort()).toEqual(['parent', 'student']);
    expect(second.token).toBeTruthy();
  });

  describe('with a phone ticket (WeChat phone button)', () => {
    it('registers without an SMS code; the ticket is single use and bound to its phone', async () => {
      const phone = randomPhone();
      const ticketRes = await h.client().post('/api/auth/wechat/phone', { code: `devphone:${phone}` });
      expect(ticketRes.status).toBe(200);
      expect(ticketRes.body).toEqual({
        phoneTicket: expect.any(String),
        phone,
        phoneMasked: `${phone.slice(0, 3)}****${phone.slice(7)}`,
        expiresIn: 600,
      });
      const phoneTicket = ticketRes.body.phoneTicket as string;

      const otherPhone = await h.client().post('/api/auth/register', await registerBody({ phone: randomPhone(), smsCode: undefined, phoneTicket }));
      expect(otherPhone.status).toBe(400);
      expect(otherPhone.body.error.fields).toEqual({ 'body.phoneTicket': '验证已过期，请重新操作' });

      const res = await h.client().post('/api/auth/register', await registerBody({ phone, smsCode: undefined, phoneTicket }));
      expect(res.status).toBe(201);
      const again = await h.client().post('/api/auth/register', await registerBody({ phone, smsCode: undefined, phoneTicket }));
      expect(again.status).toBe(400);
      expect(again.body.error.code).toBe('TICKET_INVALID');
    });

    it('puts the ticket back when registration fails after taking it (WeChat user bound meanwhile)', async () => {
      const openid = randomUsername('o');
      // Two tickets for one WeChat user, issued before either registration binds it.
      const t1 = (await h.client().post('/api/auth/wechat/login', { code: `dev:${openid}` })).body.wechatTicket as string;
      const t2 = (await h.client().post('/api/auth/wechat/login', { code: `dev:${openid}` })).body.wechatTicket as string;
      expect((await h.client().post('/api/auth/register', await registerBody({ wechatTicket: t1 }))).status).toBe(201);

      const phone = randomPhone();
      const { phoneTicket } = (await h.client().post('/api/auth/wechat/phone', { code: `devphone:${phone}` })).body;
      const body = await registerBody({ phone, smsCode: undefined, phoneTicket, wechatTicket: t2 });
      const conflict = await h.client().post('/api/auth/register', body);
      expect(conflict.status).toBe(409);
      expect(conflict.body.error.code).toBe('WECHAT_ALREADY_BOUND');
      const { wechatTicket: _dropped, ...withoutWechat } = body;
      expect((await h.client().post('/api/auth/register', withoutWechat)).status).toBe(201);
    });
  });
});
