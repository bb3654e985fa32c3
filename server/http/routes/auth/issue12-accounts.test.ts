/**
 * Issue 12, the account attacks (2: takeover by card number + child's ID, 6:
 * username enumeration at registration, 7: one lock per identifier instead of
 * per account, 8: a phone's SMS blocked for every purpose), replayed at the
 * routes on real PostgreSQL and Redis, and the replacements: manual recovery
 * (人工找回), phone change, security notices.
 */
import { randomInt } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import { formatCardNumber } from '../../../../domain/card/card-number';
import { accounts, auditLog, notifications, recoveryRequests, sessions, students } from '../../../db/schema';
import { createSession } from '../../../services/accounts/sessions';
import { NOTIFICATION_SMS_PHONE_CONTEXT } from '../../../services/messaging/deliver';
import { smsQuotaKey } from '../../../services/accounts/sms-codes';
import { accountGuardKey } from '../../../security/login-guard';
import { buildAccount, buildClass, buildSchool, randomStudentResidentId } from '../../../test/factories';
import { agreement, CAPTCHA_TEXT, createHarness, GOOD_PASSWORD, randomIp, randomPhone, randomUsername, type Harness } from './auth-test-support';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

const NEW_PASSWORD = 'Fresh-snow-73';
const meta = { ip: '127.0.0.1', requestId: 'test', userAgent: null };

async function captcha(ip?: string): Promise<string> {
  return (await h.client(ip).get('/api/auth/captcha')).body.captchaId as string;
}

/** A family account holding an approved student of a class, with its head teacher and the school admin signed in. */
async function familyWithClass() {
  const acc = await h.registerAccount();
  const school = await buildSchool(h.ctx.db);
  const headTeacher = await buildAccount(h.ctx.db, { role: 'teacher', schoolId: school.id });
  const otherTeacher = await buildAccount(h.ctx.db, { role: 'teacher', schoolId: school.id });
  const admin = await buildAccount(h.ctx.db, { role: 'school_admin', schoolId: school.id });
  const otherAdmin = await buildAccount(h.ctx.db, { role: 'school_admin', schoolId: (await buildSchool(h.ctx.db)).id });
  const klass = await buildClass(h.ctx.db, { schoolId: school.id, headTeacherId: headTeacher.id });
  const residentId = randomStudentResidentId();
  const cardNumber = formatCardNumber(randomInt(1, 999_999_999), { province: '32', year: 2026 });
  await h.ctx.db.insert(students).values({
    familyAccountId: acc.accountId,
    classId: klass.id,
    status: 'approved',
    cardNumber,
    residentIdIndex: h.ctx.pii.blindIndex('resident_id', residentId),
  });
  const token = async (id: string) => (await createSession(h.ctx.db, h.ctx, { accountId: id, channel: 'h5', meta })).token;
  return {
    ...acc,
    residentId,
    cardNumber,
    headTeacher: await token(headTeacher.id),
    otherTeacher: await token(otherTeacher.id),
    admin: await token(admin.id),
    otherAdmin: await token(otherAdmin.id),
  };
}

async function securityNotices(accountId: string) {
  const rows = await h.ctx.db
    .select()
    .from(notifications)
    .where(and(eq(notifications.accountId, accountId), eq(notifications.kind, 'account.security')));
  return rows.map((r) => {
    const data = r.data as { event: string; via: string };
    return { event: data.event, via: data.via, smsTo: r.smsPhoneCipher ? h.ctx.pii.decrypt(r.smsPhoneCipher, NOTIFICATION_SMS_PHONE_CONTEXT) : null };
  });
}

describe('attack 2: account takeover with the card number and the child\'s ID', () => {
  it('the identity reset is gone: card number + resident ID reset nothing and the victim keeps its session', async () => {
    const victim = await familyWithClass();
    const res = await h.client().post('/api/auth/password-reset/identity', {
      login: victim.cardNumber.toLowerCase(),
      studentResidentId: victim.residentId,
      newPassword: NEW_PASSWORD,
      captchaId: await captcha(),
      captchaAnswer: CAPTCHA_TEXT,
    });
    expect(res.status).toBe(404);
    expect((await h.client().get('/api/me', victim.token)).status).toBe(200);
    expect((await h.client().post('/api/auth/login', { login: victim.username, password: victim.password })).status).toBe(200);
    // A card number is no sign-in identifier either.
    const byCard = await h.client().post('/api/auth/login', { login: victim.cardNumber, password: victim.password });
    expect(byCard.status).toBe(401);
    // …and no account can take a card-number-shaped username to be found by one.
    const phone = randomPhone();
    const smsCode = await h.code(phone, 'register');
    const squat = await h.client().post('/api/auth/register', { identity: 'parent', phone, smsCode, username: victim.cardNumber.toLowerCase(), password: GOOD_PASSWORD, agreement });
    expect(squat.status).toBe(400);
    expect(squat.body.error.fields).toEqual({ 'body.username': '用户名不能使用教育卡号的格式' });
  });

  it('人工找回: filed with a new phone, told to the old phone and WeChat, checked by the head teacher, effective after the wait', async () => {
    const victim = await familyWithClass();
    const newPhone = randomPhone();
    const file = async (username: string) => {
      const ip = randomIp();
      await h.allowResend(newPhone);
      const smsCode = await h.code(newPhone, 'recovery');
      return h.client(ip).post('/api/auth/recovery-requests', {
        username,
        newPhone,
        smsCode,
        note: '我是孩子的妈妈，原手机号已丢失',
        captchaId: await captcha(ip),
        captchaAnswer: CAPTCHA_TEXT,
      });
    };
    const unknown = await file(randomUsername('ghost'));
    const filed = await file(victim.username.toUpperCase());
    expect(filed.status).toBe(200);
    expect(filed.body).toEqual({ ok: true, waitHours: 72 });
    expect(unknown.text).toBe(filed.text);
    expect(await securityNotices(victim.accountId)).toEqual(
      expect.arrayContaining([
        { event: 'recovery_filed', via: 'wechat', smsTo: null },
        { event: 'recovery_filed', via: 'sms', smsTo: victim.phone },
      ]),
    );

    // Staff of other classes and schools do not see it; the head teacher does, masked.
    expect((await h.client().get('/api/recovery-requests', victim.otherTeacher)).body.items).toEqual([]);
    expect((await h.client().get('/api/recovery-requests', victim.otherAdmin)).body.items).toEqual([]);
    expect((await h.client().get('/api/recovery-requests', victim.token)).status).toBe(403);
    const list = await h.client().get('/api/recovery-requests?status=pending', victim.headTeacher);
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    const item = list.body.items[0];
    expect(item).toMatchObject({ status: 'pending', newPhoneMasked: `${newPhone.slice(0, 3)}****${newPhone.slice(-4)}` });
    expect(JSON.stringify(list.body)).not.toContain(victim.phone);
    expect(JSON.stringify(list.body)).not.toContain(newPhone);
    expect((await h.client().get('/api/recovery-requests', victim.admin)).body.items).toHaveLength(1);
    expect((await h.client().post(`/api/recovery-requests/${item.id}/approve`, {}, victim.otherAdmin)).status).toBe(404);

    const complete = async () => {
      await h.allowResend(newPhone);
      const smsCode = await h.code(newPhone, 'recovery');
      return h.client().post('/api/auth/recovery-requests/complete', { username: victim.username, newPhone, smsCode, newPassword: NEW_PASSWORD });
    };
    expect((await complete()).body.error.code).toBe('RECOVERY_NOT_READY');
    const approved = await h.client().post(`/api/recovery-requests/${item.id}/approve`, {}, victim.headTeacher);
    expect(approved.status).toBe(200);
    expect(approved.body.request.status).toBe('approved');
    expect(new Date(approved.body.request.effectiveAt).getTime() - Date.now()).toBeGreaterThan(71 * 3600_000);
    expect((await h.client().post(`/api/recovery-requests/${item.id}/approve`, {}, victim.admin)).status).toBe(409);
    const waiting = await complete();
    expect(waiting.status).toBe(409);
    expect(waiting.body.error.message).toMatch(/^人工找回申请已核实，将于 72 小时后生效$/);

    // The waiting period passes.
    await h.ctx.db.update(recoveryRequests).set({ effectiveAt: new Date(Date.now() - 1000) }).where(eq(recoveryRequests.id, item.id));
    const done = await complete();
    expect(done.status).toBe(200);
    expect((await h.client().get('/api/me', victim.token)).status).toBe(401);
    const signedIn = await h.client().post('/api/auth/login', { login: newPhone, password: NEW_PASSWORD });
    expect(signedIn.status).toBe(200);
    expect(await securityNotices(victim.accountId)).toEqual(
      expect.arrayContaining([
        { event: 'recovery_approved', via: 'sms', smsTo: victim.phone },
        { event: 'recovery_completed', via: 'sms', smsTo: victim.phone },
        { event: 'recovery_completed', via: 'wechat', smsTo: null },
      ]),
    );
    const audit = await h.ctx.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.subjectId, victim.accountId));
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['account.recovery_filed', 'account.recovery_approved', 'account.recovery_completed']));
  });

  it('the owner signing in cancels an open request; a rejected one never takes effect', async () => {
    const victim = await familyWithClass();
    const newPhone = randomPhone();
    await h.allowResend(newPhone);
    const smsCode = await h.code(newPhone, 'recovery');
    const ip = randomIp();
    await h.client(ip).post('/api/auth/recovery-requests', { username: victim.username, newPhone, smsCode, note: '手机丢了，请帮忙', captchaId: await captcha(ip), captchaAnswer: CAPTCHA_TEXT });
    const [open] = await h.ctx.db.select().from(recoveryRequests).where(eq(recoveryRequests.accountId, victim.accountId));
    expect(open!.status).toBe('pending');
    expect((await h.client().post('/api/auth/login', { login: victim.username, password: victim.password })).status).toBe(200);
    const [after] = await h.ctx.db.select().from(recoveryRequests).where(eq(recoveryRequests.id, open!.id));
    expect(after).toMatchObject({ status: 'cancelled', cancelReason: 'signed_in' });
    expect((await h.client().post(`/api/recovery-requests/${open!.id}/approve`, {}, victim.headTeacher)).status).toBe(409);
  });
});

describe('attack 6: usernames cannot be enumerated at registration or activation', () => {
  it('a taken username with a made-up code answers SMS_CODE_INVALID, exactly like a free one', async () => {
    const taken = await h.registerAccount();
    const phone = randomPhone();
    await h.code(phone, 'register');
    const body = (username: string) => ({ identity: 'parent', phone, smsCode: '000000', username, password: GOOD_PASSWORD, agreement });
    const a = await h.client().post('/api/auth/register', body(taken.username));
    const b = await h.client().post('/api/auth/register', body(randomUsername('free')));
    expect(a.status).toBe(400);
    expect(a.body.error.code).toBe('SMS_CODE_INVALID');
    expect(a.text).toBe(b.text);
    // With the right code the username is answered (the phone is proven).
    await h.allowResend(phone);
    const smsCode = await h.code(phone, 'register');
    expect((await h.client().post('/api/auth/register', { ...body(taken.username), smsCode })).body.error.code).toBe('USERNAME_TAKEN');
    expect((await h.client().post('/api/auth/register', { ...body(randomUsername('ok')), smsCode })).status).toBe(201);
  });

  it('teacher activation: a taken username with a made-up code answers SMS_CODE_INVALID', async () => {
    const taken = await h.registerAccount();
    const res = await h.client().post('/api/auth/teacher-activation', { phone: randomPhone(), smsCode: '123456', username: taken.username, password: GOOD_PASSWORD });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('SMS_CODE_INVALID');
  });

  it('registration and activation are limited per IP (30 per 15 minutes together)', async () => {
    const client = h.client(randomIp());
    for (let i = 0; i < 30; i += 1) {
      const res = await client.post(i % 2 ? '/api/auth/register' : '/api/auth/teacher-activation', {
        ...(i % 2 ? { identity: 'parent', agreement } : {}),
        phone: randomPhone(),
        smsCode: '000000',
        username: randomUsername('spray'),
        password: GOOD_PASSWORD,
      });
      expect(res.status).toBe(400);
    }
    const res = await client.post('/api/auth/register', { identity: 'parent', agreement, phone: randomPhone(), smsCode: '000000', username: randomUsername('spray'), password: GOOD_PASSWORD });
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe('RATE_LIMITED');
  });
});

describe('attack 7: one failure counter per account, whatever identifier or spelling', () => {
  it('failures by username count for the phone of the same account, then a growing delay', async () => {
    const acc = await h.registerAccount({ username: randomUsername('Mix') });
    const spellings = [acc.username.toUpperCase(), acc.phone, `+86${acc.phone}`, acc.username.toLowerCase()];
    const remaining: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const client = h.client();
      const withCaptcha = i >= 3 ? { captchaId: await captcha(client.ip), captchaAnswer: CAPTCHA_TEXT } : {};
      const res = await client.post('/api/auth/login', { login: spellings[i], password: 'Wrong-pass-1', ...withCaptcha });
      expect(res.status).toBe(401);
      remaining.push(res.body.error.remainingAttempts);
      expect(res.body.error.message).toBe(`用户名或密码错误，还可尝试 ${res.body.error.remainingAttempts} 次`);
    }
    expect(remaining).toEqual([4, 3, 2, 1]);
    // The 3rd failure (by phone) asks the username for a captcha too.
    expect((await h.client().post('/api/auth/login', { login: acc.username, password: acc.password })).body.error.code).toBe('CAPTCHA_REQUIRED');
    // 5th failure (+86 spelling): a delay of 60 s for the whole account.
    const c5 = h.client();
    const fifth = await c5.post('/api/auth/login', { login: `+86 ${acc.phone}`, password: 'Wrong-pass-1', captchaId: await captcha(c5.ip), captchaAnswer: CAPTCHA_TEXT });
    expect(fifth.status).toBe(429);
    expect(fifth.headers['retry-after']).toBe('60');
    expect(fifth.body.error.message).toBe('密码错误次数过多，请 60 秒后再试，或用短信验证码重置密码');
    const c6 = h.client();
    const byPhone = await c6.post('/api/auth/login', { login: acc.phone, password: acc.password, captchaId: await captcha(c6.ip), captchaAnswer: CAPTCHA_TEXT });
    expect(byPhone.status).toBe(429);

    // The delay ends; the next failure doubles it.
    await h.ctx.redis.del(h.sec.loginGuard.redisKeys(accountGuardKey(acc.accountId)).delay);
    const c7 = h.client();
    const sixth = await c7.post('/api/auth/login', { login: acc.username, password: 'Wrong-pass-1', captchaId: await captcha(c7.ip), captchaAnswer: CAPTCHA_TEXT });
    expect(sixth.status).toBe(429);
    expect(sixth.headers['retry-after']).toBe('120');

    // The SMS reset stays open to the owner and clears the counter.
    await h.allowResend(acc.phone);
    const smsCode = await h.code(acc.phone, 'reset_password');
    expect((await h.client().post('/api/auth/password-reset/sms', { phone: acc.phone, smsCode, newPassword: NEW_PASSWORD })).status).toBe(200);
    expect((await h.client().post('/api/auth/login', { login: acc.phone, password: NEW_PASSWORD })).status).toBe(200);
    expect(await securityNotices(acc.accountId)).toEqual(
      expect.arrayContaining([
        { event: 'password_reset', via: 'sms', smsTo: acc.phone },
        { event: 'password_reset', via: 'wechat', smsTo: null },
      ]),
    );
  });

  it('an unknown username is answered exactly like a known one, remaining tries included', async () => {
    const acc = await h.registerAccount();
    const ghost = randomUsername('ghost');
    for (let i = 0; i < 3; i += 1) {
      const a = await h.client().post('/api/auth/login', { login: acc.username, password: 'Wrong-pass-1' });
      const b = await h.client().post('/api/auth/login', { login: ghost, password: 'Wrong-pass-1' });
      expect(a.text).toBe(b.text);
    }
  });
});

describe('attack 8: SMS limits per phone and purpose, the IP checked first', () => {
  it('ten register codes do not stop the password reset or activation codes of the phone', async () => {
    const phone = randomPhone();
    for (let i = 0; i < 10; i += 1) {
      await h.allowResend(phone);
      expect((await h.client().post('/api/auth/sms-codes', { phone, purpose: 'register' })).status).toBe(200);
    }
    await h.allowResend(phone);
    expect((await h.client().post('/api/auth/sms-codes', { phone, purpose: 'register' })).status).toBe(429);
    for (const purpose of ['reset_password', 'activate_teacher', 'change_phone', 'recovery']) {
      expect([purpose, (await h.client().post('/api/auth/sms-codes', { phone, purpose })).status]).toEqual([purpose, 200]);
    }
  });

  it('an address over its hourly limit spends nothing of a phone\'s quota', async () => {
    const client = h.client(randomIp());
    for (let i = 0; i < 20; i += 1) expect((await client.post('/api/auth/sms-codes', { phone: randomPhone(), purpose: 'register' })).status).toBe(200);
    const victim = randomPhone();
    const refused = await client.post('/api/auth/sms-codes', { phone: victim, purpose: 'reset_password' });
    expect(refused.status).toBe(429);
    const index = h.ctx.pii.blindIndex('phone', victim);
    expect(await h.sec.limits.smsPerPhoneMinute.get(smsQuotaKey(index, 'reset_password'))).toBeNull();
    expect(await h.sec.limits.smsPerPhoneDay.get(smsQuotaKey(index, 'reset_password'))).toBeNull();
    expect((await h.client().post('/api/auth/sms-codes', { phone: victim, purpose: 'reset_password' })).status).toBe(200);
  });
});

describe('更换手机号 and the security notices', () => {
  it('needs codes to the old and the new phone; the old phone and WeChat are told', async () => {
    const acc = await h.registerAccount();
    const newPhone = randomPhone();
    await h.allowResend(acc.phone);
    expect((await h.client().post('/api/me/phone/code', {}, acc.token)).status).toBe(200);
    const oldSmsCode = await h.lastCode(acc.phone);
    const newSmsCode = await h.code(newPhone, 'change_phone');
    const wrongOld = await h.client().post('/api/me/phone', { oldSmsCode: oldSmsCode === '000000' ? '111111' : '000000', newPhone, newSmsCode }, acc.token);
    expect(wrongOld.status).toBe(400);
    expect(wrongOld.body.error.fields).toEqual({ 'body.oldSmsCode': '验证码错误或已失效，请重新获取' });
    const res = await h.client().post('/api/me/phone', { oldSmsCode, newPhone, newSmsCode }, acc.token);
    expect(res.status).toBe(200);
    expect(res.body.phoneMasked).toBe(`${newPhone.slice(0, 3)}****${newPhone.slice(-4)}`);
    const [row] = await h.ctx.db.select().from(accounts).where(eq(accounts.id, acc.accountId));
    expect(row!.phoneIndex).toBe(h.ctx.pii.blindIndex('phone', newPhone));
    expect(await securityNotices(acc.accountId)).toEqual(
      expect.arrayContaining([
        { event: 'phone_changed', via: 'sms', smsTo: acc.phone },
        { event: 'phone_changed', via: 'wechat', smsTo: null },
      ]),
    );
    // The password change is announced too.
    const changed = await h.client().post('/api/me/password', { currentPassword: acc.password, newPassword: NEW_PASSWORD }, acc.token);
    expect(changed.status).toBe(200);
    expect(await securityNotices(acc.accountId)).toEqual(expect.arrayContaining([{ event: 'password_changed', via: 'sms', smsTo: newPhone }]));
    const live = await h.ctx.db.select().from(sessions).where(and(eq(sessions.accountId, acc.accountId), inArray(sessions.channel, ['h5'])));
    expect(live.length).toBeGreaterThan(0);
  });
});
