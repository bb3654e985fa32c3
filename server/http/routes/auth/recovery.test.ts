import { eq } from 'drizzle-orm';
import { accounts, auditLog, sessions } from '../../../db/schema';
import { buildAccount } from '../../../test/factories';
import { createHarness, randomPhone, randomUsername, type Harness } from './auth-test-support';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

const NEW_PASSWORD = 'Fresh-snow-73';

describe('POST /api/auth/password-reset/sms', () => {
  it('sets the new password, revokes every session and clears failed sign-ins', async () => {
    const acc = await h.registerAccount();
    for (let i = 0; i < 3; i += 1) await h.client().post('/api/auth/login', { login: acc.username, password: 'Wrong-pass-1' });
    await h.allowResend(acc.phone);
    const smsCode = await h.code(acc.phone, 'reset_password');
    const res = await h.client().post('/api/auth/password-reset/sms', { phone: acc.phone, smsCode, newPassword: NEW_PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    expect((await h.client().get('/api/me', acc.token)).body.error.code).toBe('SESSION_EXPIRED');
    const live = await h.ctx.db.select().from(sessions).where(eq(sessions.accountId, acc.accountId));
    expect(live.every((s) => s.revokedAt !== null)).toBe(true);
    expect((await h.client().post('/api/auth/login', { login: acc.username, password: acc.password })).status).toBe(401);
    const ok = await h.client().post('/api/auth/login', { login: acc.username, password: NEW_PASSWORD });
    expect(ok.status).toBe(200);
    const audit = await h.ctx.db.select().from(auditLog).where(eq(auditLog.subjectId, acc.accountId));
    expect(audit.map((a) => a.action)).toContain('account.password_reset');
  });

  it('asks for the username when several accounts share the phone, keeping the code usable', async () => {
    const parent = await h.registerAccount();
    const student = await h.registerAccount({ phone: parent.phone, identity: 'student' });
    await h.allowResend(parent.phone);
    const smsCode = await h.code(parent.phone, 'reset_password');
    const ambiguous = await h.client().post('/api/auth/password-reset/sms', { phone: parent.phone, smsCode, newPassword: NEW_PASSWORD });
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.error).toEqual({
      code: 'USERNAME_NEEDED',
      message: '该手机号绑定了多个账号，请填写要找回的用户名',
      fields: { 'body.username': '该手机号绑定了多个账号，请填写要找回的用户名' },
    });
    const res = await h.client().post('/api/auth/password-reset/sms', {
      phone: parent.phone,
      smsCode,
      username: student.username.toUpperCase(),
      newPassword: NEW_PASSWORD,
    });
    expect(res.status).toBe(200);
    expect((await h.client().post('/api/auth/login', { login: student.username, password: NEW_PASSWORD })).status).toBe(200);
    expect((await h.client().post('/api/auth/login', { login: parent.username, password: parent.password })).status).toBe(200);
  });

  it('refuses a wrong code, a password containing the username, and a phone without accounts', async () => {
    const acc = await h.registerAccount();
    await h.allowResend(acc.phone);
    const smsCode = await h.code(acc.phone, 'reset_password');
    const wrong = await h.client().post('/api/auth/password-reset/sms', { phone: acc.phone, smsCode: '000000', newPassword: NEW_PASSWORD });
    expect(wrong.body.error.code).toBe('SMS_CODE_INVALID');
    const contains = await h.client().post('/api/auth/password-reset/sms', { phone: acc.phone, smsCode, newPassword: `${acc.username}#1` });
    expect(contains.body.error.fields).toEqual({ 'body.newPassword': '密码不能包含用户名或手机号' });

    const nobody = randomPhone();
    const code = await h.code(nobody, 'reset_password');
    const none = await h.client().post('/api/auth/password-reset/sms', { phone: nobody, smsCode: code, newPassword: NEW_PASSWORD });
    expect(none.status).toBe(400);
    expect(none.body.error.code).toBe('PHONE_NO_ACCOUNT');
  });
});

describe('POST /api/auth/teacher-activation', () => {
  it('activates the pending teacher account of the phone and signs in', async () => {
    const phone = randomPhone();
    const teacher = await buildAccount(h.ctx.db, {
      role: 'teacher',
      status: 'pending_activation',
      username: null,
      usernameKey: null,
      phoneCipher: h.ctx.pii.encrypt(phone, 'accounts.phone'),
      phoneIndex: h.ctx.pii.blindIndex('phone', phone),
    });
    // Pending accounts cannot sign in or reset.
    expect((await h.client().post('/api/auth/login', { login: phone, password: NEW_PASSWORD })).status).toBe(401);

    const smsCode = await h.code(phone, 'activate_teacher');
    const username = randomUsername('teacher');
    const res = await h.client().post('/api/auth/teacher-activation', { phone, smsCode, username, password: NEW_PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body.account).toMatchObject({ id: teacher.id, role: 'teacher', username });
    const [row] = await h.ctx.db.select().from(accounts).where(eq(accounts.id, teacher.id));
    expect(row!.status).toBe('active');
    expect((await h.client().post('/api/auth/login', { login: username, password: NEW_PASSWORD })).status).toBe(200);

    await h.allowResend(phone);
    const again = await h.code(phone, 'activate_teacher');
    const twice = await h.client().post('/api/auth/teacher-activation', { phone, smsCode: again, username: randomUsername('t'), password: NEW_PASSWORD });
    expect(twice.body.error.code).toBe('TEACHER_NOT_FOUND');
  });

  it('answers TEACHER_NOT_FOUND for a phone without a pending teacher', async () => {
    const phone = randomPhone();
    const smsCode = await h.code(phone, 'activate_teacher');
    const res = await h.client().post('/api/auth/teacher-activation', { phone, smsCode, username: randomUsername('t'), password: NEW_PASSWORD });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({
      code: 'TEACHER_NOT_FOUND',
      message: '未找到待激活的教师账号，请联系学校管理员',
      fields: { 'body.phone': '未找到待激活的教师账号，请联系学校管理员' },
    });
  });
});
