/** 找回用户名: once the phone is proven by its SMS code, the usernames on it are shown whole (the owner must be able to sign in with them). */
import { eq } from 'drizzle-orm';
import { auditLog } from '../../../db/schema';
import { createHarness, randomPhone, type Harness } from './auth-test-support';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

describe('POST /api/auth/username-recovery', () => {
  it('When the phone is proven by its code, Then every username on it is shown unmasked, oldest first, and each reveal is audited', async () => {
    const phone = randomPhone();
    const first = await h.registerAccount({ phone, identity: 'parent' });
    const second = await h.registerAccount({ phone, identity: 'student' });
    await h.allowResend(phone);
    const smsCode = await h.code(phone, 'find_username');
    const res = await h.client().post('/api/auth/username-recovery', { phone, smsCode });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.usernames.map((u: { username: string; role: string }) => [u.username, u.role])).toEqual([
      [first.username, 'parent'],
      [second.username, 'student'],
    ]);
    const audits = await h.ctx.db.select().from(auditLog).where(eq(auditLog.subjectId, first.accountId));
    expect(audits.map((a) => a.action)).toContain('account.username_recovered');
  });

  it('When the code is wrong, Then 400 SMS_CODE_INVALID and no username at all', async () => {
    const { phone } = await h.registerAccount();
    const res = await h.client().post('/api/auth/username-recovery', { phone, smsCode: '000000' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('SMS_CODE_INVALID');
    expect(res.body.usernames).toBeUndefined();
  });
});
