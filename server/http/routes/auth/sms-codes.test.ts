import { and, desc, eq } from 'drizzle-orm';
import { smsChallenges } from '../../../db/schema';
import { SmsSendError, type SmsMessage } from '../../../integrations/sms';
import { createHarness, randomIp, randomPhone, type Harness } from './auth-test-support';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

/** Use a code through the simplest consumer: username recovery (purpose find_username). */
function recover(phone: string, smsCode: string) {
  return h.client().post('/api/auth/username-recovery', { phone, smsCode });
}

async function latestChallenge(phone: string, purpose: string) {
  const [row] = await h.ctx.db
    .select()
    .from(smsChallenges)
    .where(and(eq(smsChallenges.phoneIndex, h.ctx.pii.blindIndex('phone', phone)), eq(smsChallenges.purpose, purpose)))
    .orderBy(desc(smsChallenges.createdAt))
    .limit(1);
  return row!;
}

function wrongCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}

describe('POST /api/auth/sms-codes', () => {
  it('sends 6 digits through the SMS provider and stores only a hash bound to phone and purpose', async () => {
    const phone = randomPhone();
    const res = await h.client().post('/api/auth/sms-codes', { phone, purpose: 'register' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ expiresIn: 300, resendIn: 60 });
    expect(res.headers['cache-control']).toBe('no-store');
    const code = await h.lastCode(phone);
    expect(code).toMatch(/^\d{6}$/);
    const row = await latestChallenge(phone, 'register');
    expect(row.codeHash).not.toContain(code);
    expect(JSON.stringify(row)).not.toContain(phone);
    expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBe(300_000);
    expect(row.attempts).toBe(0);
  });

  it('answers the same for reset_password and find_username whether or not the phone has accounts', async () => {
    const { phone } = await h.registerAccount();
    await h.allowResend(phone);
    const unknown = randomPhone();
    for (const purpose of ['reset_password', 'find_username']) {
      await h.allowResend(phone);
      const known = await h.client().post('/api/auth/sms-codes', { phone, purpose });
      const other = await h.client().post('/api/auth/sms-codes', { phone: unknown, purpose });
      await h.allowResend(unknown);
      expect([known.status, known.text]).toEqual([other.status, other.text]);
    }
    // Only the phone's owner sees the result: both phones got a code.
    expect(await h.lastCode(unknown)).toMatch(/^\d{6}$/);
  });

  it('rejects a malformed phone or purpose with field messages', async () => {
    const res = await h.client().post('/api/auth/sms-codes', { phone: '12345', purpose: 'spam' });
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toEqual({ 'body.phone': '请填写正确的 11 位手机号码', 'body.purpose': '取值不在允许的范围内' });
  });

  describe('limits', () => {
    it('allows one code per phone and purpose per 60 s, with Retry-After and the wait in Chinese', async () => {
      const phone = randomPhone();
      expect((await h.client().post('/api/auth/sms-codes', { phone, purpose: 'register' })).status).toBe(200);
      // Another purpose is not held up by it (issue 12, attack 8).
      expect((await h.client().post('/api/auth/sms-codes', { phone, purpose: 'reset_password' })).status).toBe(200);
      const again = await h.client().post('/api/auth/sms-codes', { phone, purpose: 'register' });
      expect(again.status).toBe(429);
      expect(again.body.error.code).toBe('RATE_LIMITED');
      const retryAfter = Number(again.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(58);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(again.body.error.message).toBe(`操作过于频繁，请 ${retryAfter} 秒后再试`);
    });

    it('allows ten codes per phone and purpose per day', async () => {
      const phone = randomPhone();
      for (let i = 0; i < 10; i += 1) {
        await h.allowResend(phone);
        expect((await h.client().post('/api/auth/sms-codes', { phone, purpose: 'register' })).status).toBe(200);
      }
      await h.allowResend(phone);
      const eleventh = await h.client().post('/api/auth/sms-codes', { phone, purpose: 'register' });
      expect(eleventh.status).toBe(429);
      expect(Number(eleventh.headers['retry-after'])).toBeGreaterThan(23 * 3600);
      expect(eleventh.body.error.message).toBe('操作过于频繁，请 24 小时后再试');
    });

    it('allows twenty codes per client IP per hour', async () => {
      const client = h.client(randomIp());
      for (let i = 0; i < 20; i += 1) {
        expect((await client.post('/api/auth/sms-codes', { phone: randomPhone(), purpose: 'register' })).status).toBe(200);
      }
      const res = await client.post('/api/auth/sms-codes', { phone: randomPhone(), purpose: 'register' });
      expect(res.status).toBe(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(3500);
      expect(res.body.error.message).toMatch(/^操作过于频繁，请 (60 分钟|1 小时)后再试$/);
      // Another IP is not affected.
      expect((await h.client().post('/api/auth/sms-codes', { phone: randomPhone(), purpose: 'register' })).status).toBe(200);
    });
  });

  describe("an attacker cannot lock the owner out of the SMS password reset", () => {
    /** The owner's account, signed in once from `home` (a session opened there makes it a known address). */
    async function ownerAt(home: string) {
      const owner = await h.registerAccount();
      await h.client(home).post('/api/auth/login', { login: owner.username, password: owner.password });
      return owner;
    }

    function reset(ip: string, phone: string, smsCode: string) {
      return h.client(ip).post('/api/auth/password-reset/sms', { phone, smsCode, newPassword: 'Green-field-77' });
    }

    it('when strangers spend the phone\'s reset quota from one address and then from many, the owner at home still gets a code and resets', async () => {
      const home = randomIp();
      const owner = await ownerAt(home);
      const attacker = h.client(randomIp());
      // One address: five a day, then refused (it cannot spend the whole quota alone).
      for (let i = 0; i < 5; i += 1) {
        await h.allowResend(owner.phone);
        expect((await attacker.post('/api/auth/sms-codes', { phone: owner.phone, purpose: 'reset_password' })).status).toBe(200);
      }
      await h.allowResend(owner.phone);
      expect((await attacker.post('/api/auth/sms-codes', { phone: owner.phone, purpose: 'reset_password' })).status).toBe(429);
      // Many addresses: the strangers' ten a day are spent.
      for (let i = 0; i < 5; i += 1) {
        await h.allowResend(owner.phone);
        expect((await h.client().post('/api/auth/sms-codes', { phone: owner.phone, purpose: 'reset_password' })).status).toBe(200);
      }
      await h.allowResend(owner.phone);
      expect((await h.client().post('/api/auth/sms-codes', { phone: owner.phone, purpose: 'reset_password' })).status).toBe(429);

      // The owner, from the address they signed in from, is not held up by any of it.
      const sent = await h.client(home).post('/api/auth/sms-codes', { phone: owner.phone, purpose: 'reset_password' });
      expect(sent.status).toBe(200);
      const code = await h.lastCode(owner.phone);
      expect((await reset(home, owner.phone, code)).status).toBe(200);
    });

    it("a stranger's fresh code does not kill the code the owner is typing", async () => {
      const home = randomIp();
      const owner = await ownerAt(home);
      expect((await h.client(home).post('/api/auth/sms-codes', { phone: owner.phone, purpose: 'reset_password' })).status).toBe(200);
      const ownersCode = await h.lastCode(owner.phone);
      // Right after, a stranger asks for another code to the same phone.
      expect((await h.client().post('/api/auth/sms-codes', { phone: owner.phone, purpose: 'reset_password' })).status).toBe(200);
      expect((await reset(home, owner.phone, ownersCode)).status).toBe(200);
    });
  });

  describe('verification', () => {
    it('accepts the right code once: a reused code is refused', async () => {
      const phone = randomPhone();
      const code = await h.code(phone, 'find_username');
      const first = await recover(phone, code);
      expect(first.status).toBe(200);
      const second = await recover(phone, code);
      expect(second.status).toBe(400);
      expect(second.body.error).toEqual({
        code: 'SMS_CODE_INVALID',
        message: '验证码错误或已失效，请重新获取',
        fields: { 'body.smsCode': '验证码错误或已失效，请重新获取' },
      });
    });

    it('refuses a wrong code and one of another purpose', async () => {
      const phone = randomPhone();
      const code = await h.code(phone, 'find_username');
      expect((await recover(phone, wrongCode(code))).body.error.code).toBe('SMS_CODE_INVALID');
      await h.allowResend(phone);
      const registerCode = await h.code(phone, 'register');
      expect((await recover(phone, registerCode)).body.error.code).toBe('SMS_CODE_INVALID');
      expect((await recover(phone, code)).status).toBe(200);
    });

    it('refuses an expired code', async () => {
      const phone = randomPhone();
      const code = await h.code(phone, 'find_username');
      const row = await latestChallenge(phone, 'find_username');
      await h.ctx.db.update(smsChallenges).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(smsChallenges.id, row.id));
      expect((await recover(phone, code)).body.error.code).toBe('SMS_CODE_INVALID');
    });

    it('kills a code after 5 wrong tries: the right code then fails too', async () => {
      const phone = randomPhone();
      const code = await h.code(phone, 'find_username');
      for (let i = 0; i < 5; i += 1) expect((await recover(phone, wrongCode(code))).status).toBe(400);
      expect((await latestChallenge(phone, 'find_username')).attempts).toBe(5);
      const res = await recover(phone, code);
      expect(res.body.error.code).toBe('SMS_CODE_INVALID');
      expect((await latestChallenge(phone, 'find_username')).attempts).toBe(5);
    });

    it('still accepts the right code after 4 wrong tries', async () => {
      const phone = randomPhone();
      const code = await h.code(phone, 'find_username');
      for (let i = 0; i < 4; i += 1) await recover(phone, wrongCode(code));
      expect((await recover(phone, code)).status).toBe(200);
    });

    it('supersedes older codes of the same phone and purpose', async () => {
      const phone = randomPhone();
      const older = await h.code(phone, 'find_username');
      await h.allowResend(phone);
      let newer = await h.code(phone, 'find_username');
      while (newer === older) {
        await h.allowResend(phone);
        newer = await h.code(phone, 'find_username');
      }
      expect((await recover(phone, older)).body.error.code).toBe('SMS_CODE_INVALID');
      expect((await recover(phone, newer)).status).toBe(200);
    });

    it('lets only one of two concurrent requests use a code', async () => {
      const phone = randomPhone();
      const code = await h.code(phone, 'find_username');
      const results = await Promise.all([recover(phone, code), recover(phone, code), recover(phone, code)]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400]);
    });
  });

  it('answers 503 SMS_SEND_FAILED when the provider refuses, and that code never works', async () => {
    const sent: SmsMessage[] = [];
    const original = h.ctx.sms;
    h.ctx.sms = {
      send: async (message) => {
        sent.push(message);
        throw new SmsSendError('rejected', 'LimitExceeded.PhoneNumberDailyLimit', false);
      },
    };
    try {
      const phone = randomPhone();
      const res = await h.client().post('/api/auth/sms-codes', { phone, purpose: 'find_username' });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('SMS_SEND_FAILED');
      const [first] = sent;
      if (first?.template !== 'verification_code') throw new Error('expected a verification code SMS');
      expect(JSON.stringify(res.body)).not.toContain(first.params.code);
      expect((await recover(phone, first.params.code)).body.error.code).toBe('SMS_CODE_INVALID');
    } finally {
      h.ctx.sms = original;
    }
  });
});
