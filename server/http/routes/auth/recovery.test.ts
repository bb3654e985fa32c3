import { randomInt } from 'node:crypto';
import { formatCardNumber } from '../../../../domain/card/card-number';
import { eq } from 'drizzle-orm';
import { accounts, auditLog, sessions, students } from '../../../db/schema';
import { buildAccount, randomStudentResidentId } from '../../../test/factories';
import { CAPTCHA_TEXT, createHarness, randomPhone, randomUsername, type Harness } from './auth-test-support';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

const NEW_PASSWORD = 'Fresh-snow-73';

async function captcha(): Promise<string> {
  return (await h.client().get('/api/auth/captcha')).body.captchaId as string;
}

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

describe('POST /api/auth/password-reset/identity', () => {
  async function withStudent() {
    const acc = await h.registerAccount();
    const residentId = randomStudentResidentId();
    const cardNumber = formatCardNumber(randomInt(1, 999_999_999), { province: '32', year: 2026 });
    await h.ctx.db.insert(students).values({
      familyAccountId: acc.accountId,
      status: 'approved',
      cardNumber,
      residentIdIndex: h.ctx.pii.blindIndex('resident_id', residentId),
    });
    return { ...acc, residentId, cardNumber };
  }

  it('resets with the username and a held student ID, revoking sessions', async () => {
    const acc = await withStudent();
    const res = await h.client().post('/api/auth/password-reset/identity', {
      login: acc.username,
      studentResidentId: acc.residentId,
      newPassword: NEW_PASSWORD,
      captchaId: await captcha(),
      captchaAnswer: CAPTCHA_TEXT,
    });
    expect(res.status).toBe(200);
    expect((await h.client().get('/api/me', acc.token)).body.error.code).toBe('SESSION_EXPIRED');
    expect((await h.client().post('/api/auth/login', { login: acc.username, password: NEW_PASSWORD })).status).toBe(200);
  });

  it('resets with the education card number', async () => {
    const acc = await withStudent();
    const res = await h.client().post('/api/auth/password-reset/identity', {
      login: `${acc.cardNumber.slice(0, 6).toLowerCase()} ${acc.cardNumber.slice(6)}`,
      studentResidentId: acc.residentId,
      newPassword: NEW_PASSWORD,
      captchaId: await captcha(),
      captchaAnswer: CAPTCHA_TEXT,
    });
    expect(res.status).toBe(200);
  });

  it('answers an unknown account exactly like a mismatching ID; always needs the captcha', async () => {
    const acc = await withStudent();
    const body = { studentResidentId: randomStudentResidentId(), newPassword: NEW_PASSWORD };
    const mismatch = await h.client().post('/api/auth/password-reset/identity', { ...body, login: acc.username, captchaId: await captcha(), captchaAnswer: CAPTCHA_TEXT });
    const unknown = await h.client().post('/api/auth/password-reset/identity', { ...body, login: randomUsername('nobody'), captchaId: await captcha(), captchaAnswer: CAPTCHA_TEXT });
    expect(mismatch.status).toBe(400);
    expect(mismatch.text).toBe(unknown.text);
    expect(mismatch.body.error.code).toBe('IDENTITY_MISMATCH');

    const noCaptcha = await h.client().post('/api/auth/password-reset/identity', { ...body, login: acc.username });
    expect(noCaptcha.status).toBe(400);
    expect(Object.keys(noCaptcha.body.error.fields).sort()).toEqual(['body.captchaAnswer', 'body.captchaId']);
    const badCaptcha = await h.client().post('/api/auth/password-reset/identity', { ...body, login: acc.username, captchaId: await captcha(), captchaAnswer: 'ZZZZ' });
    expect(badCaptcha.body.error.code).toBe('CAPTCHA_INVALID');
  });

  it('locks the login after 5 failures, even with the right ID', async () => {
    const acc = await withStudent();
    for (let i = 1; i <= 5; i += 1) {
      const res = await h.client().post('/api/auth/password-reset/identity', {
        // Letter case and width do not make another identifier.
        login: i % 2 === 0 ? acc.username.toUpperCase() : ` ${acc.username}`,
        studentResidentId: randomStudentResidentId(),
        newPassword: NEW_PASSWORD,
        captchaId: await captcha(),
        captchaAnswer: CAPTCHA_TEXT,
      });
      expect(res.status).toBe(i < 5 ? 400 : 429);
    }
    const right = await h.client().post('/api/auth/password-reset/identity', {
      login: acc.username,
      studentResidentId: acc.residentId,
      newPassword: NEW_PASSWORD,
      captchaId: await captcha(),
      captchaAnswer: CAPTCHA_TEXT,
    });
    expect(right.status).toBe(429);
    expect(right.body.error.code).toBe('ACCOUNT_LOCKED');
    expect(right.headers['retry-after']).toBeDefined();
  });
});

describe('POST /api/auth/username-recovery', () => {
  it('lists the masked usernames of the phone with role and creation date', async () => {
    const parent = await h.registerAccount({ username: `zhangsan${randomInt(1000, 9999)}` });
    await h.registerAccount({ phone: parent.phone, identity: 'student', username: `lisi${randomInt(1000, 9999)}` });
    await h.allowResend(parent.phone);
    const smsCode = await h.code(parent.phone, 'find_username');
    const res = await h.client().post('/api/auth/username-recovery', { phone: parent.phone, smsCode });
    expect(res.status).toBe(200);
    expect(res.body.usernames).toEqual([
      { usernameMasked: `zh***${parent.username.slice(-2)}`, role: 'parent', createdAt: expect.any(String) },
      { usernameMasked: expect.stringMatching(/^li\*\*\*\d\d$/), role: 'student', createdAt: expect.any(String) },
    ]);
    expect(res.text).not.toContain(parent.username);
  });

  it('answers an empty list for a phone without accounts', async () => {
    const phone = randomPhone();
    const smsCode = await h.code(phone, 'find_username');
    const res = await h.client().post('/api/auth/username-recovery', { phone, smsCode });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ usernames: [] });
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
