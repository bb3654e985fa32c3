/**
 * SMS verification codes.
 *
 * Sending (POST /api/auth/sms-codes): 6 digits from crypto.randomInt, valid
 * SMS_CODE_TTL_SECONDS, stored only as an HMAC (keyed with SESSION_SECRET and
 * bound to the phone and purpose: a database copy cannot be brute-forced
 * offline over the million codes). Sent synchronously: when the provider
 * refuses, the caller gets 503 SMS_SEND_FAILED and the new code is dead. A new
 * code supersedes the older live codes of the same phone and purpose.
 *
 * Limits: twenty per client IP per hour, checked first (a refused address
 * spends nothing of a phone's quota); then one code per phone AND purpose per
 * minute and ten per phone and purpose per day, so codes asked for one purpose
 * (say, a stranger's `register` codes) never block another (the owner's
 * password reset). 429 RATE_LIMITED with Retry-After and the wait in words.
 *
 * Enumeration safety: the answer never depends on whether the phone has
 * accounts. For reset_password, find_username and activate_teacher the code is
 * sent anyway (only the phone's owner reads it); for register a phone may be
 * reused (a parent may also hold a student account).
 *
 * Verification: the latest live code of the phone and purpose; at most
 * SMS_CODE_MAX_ATTEMPTS tries (then it is dead), single use. One UPDATE counts
 * the try and consumes the code when right, so two concurrent requests with
 * the right code cannot both succeed.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import { SMS_CODE_MAX_ATTEMPTS, SMS_CODE_TTL_SECONDS, type SmsPurpose } from '../../../domain/api/auth';
import { AppError } from '../../../domain/errors';
import type { AppContext } from '../../context';
import { rowsOf, type DbOrTx } from '../../db/client';
import { smsChallenges } from '../../db/schema';
import { purposeHmac } from '../../security/tokens';
import { phoneIndexOf } from './account-view';
import { fieldError } from './errors';
import type { RequestMeta } from './request-meta';

export function smsCodeHash(app: Pick<AppContext, 'config'>, phoneIndex: string, purpose: SmsPurpose, code: string): string {
  return purposeHmac(app.config.SESSION_SECRET, 'sms-code', `${phoneIndex}\u0000${purpose}\u0000${code}`);
}

/** The key of a phone's SMS quota for one purpose. */
export function smsQuotaKey(phoneIndex: string, purpose: SmsPurpose): string {
  return `${phoneIndex}:${purpose}`;
}

export function newSmsCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

export interface SentSmsCode {
  expiresIn: number;
  resendIn: number;
}

export async function sendSmsCode(
  app: AppContext,
  input: { phone: string; purpose: SmsPurpose; meta: RequestMeta },
): Promise<SentSmsCode> {
  const { limits } = app.security;
  const phoneIndex = phoneIndexOf(app, input.phone);
  await limits.smsPerIp.consumeOrThrow(input.meta.ip);
  const quotaKey = smsQuotaKey(phoneIndex, input.purpose);
  await limits.smsPerPhoneMinute.consumeOrThrow(quotaKey);
  await limits.smsPerPhoneDay.consumeOrThrow(quotaKey);

  const code = newSmsCode();
  const id = randomUUID();
  const now = new Date();
  await app.db.insert(smsChallenges).values({
    id,
    phoneIndex,
    purpose: input.purpose,
    codeHash: smsCodeHash(app, phoneIndex, input.purpose, code),
    ip: input.meta.ip,
    createdAt: now,
    expiresAt: new Date(now.getTime() + SMS_CODE_TTL_SECONDS * 1000),
  });
  try {
    await app.sms.send({ template: 'verification_code', phone: input.phone, params: { code, minutes: SMS_CODE_TTL_SECONDS / 60 } });
  } catch (err) {
    await app.db.update(smsChallenges).set({ consumedAt: new Date() }).where(eq(smsChallenges.id, id));
    throw new AppError('SMS_SEND_FAILED', { cause: err });
  }
  // Superseded codes are marked consumed: only the newest code of a phone and purpose works.
  await app.db
    .update(smsChallenges)
    .set({ consumedAt: new Date() })
    .where(
      and(
        eq(smsChallenges.phoneIndex, phoneIndex),
        eq(smsChallenges.purpose, input.purpose),
        isNull(smsChallenges.consumedAt),
        ne(smsChallenges.id, id),
      ),
    );
  return { expiresIn: SMS_CODE_TTL_SECONDS, resendIn: app.config.SMS_RESEND_INTERVAL_S };
}

/**
 * Count one try of `code` against the latest live code of the phone and
 * purpose and consume it when right. True when right. Run it in the
 * transaction of what the code authorises: if that fails, the consumption rolls
 * back with it (a wrong try must commit, so callers return instead of throwing).
 */
export function consumeSmsCode(db: DbOrTx, app: Pick<AppContext, 'config' | 'pii'>, input: SmsCodeTry): Promise<boolean> {
  return tryLatestSmsCode(db, app, input, { consume: true });
}

/**
 * Check `code` against the latest live code of the phone and purpose WITHOUT
 * consuming it: a wrong code counts one try (committed at once), a right one
 * counts nothing. Registration and activation check the code this way before
 * they look at the username or hash a password (so an unproven caller learns
 * nothing about usernames and costs no argon2 work); the code is consumed
 * later, in the transaction that uses it.
 */
export function checkSmsCode(db: DbOrTx, app: Pick<AppContext, 'config' | 'pii'>, input: SmsCodeTry): Promise<boolean> {
  return tryLatestSmsCode(db, app, input, { consume: false });
}

interface SmsCodeTry {
  phone: string;
  purpose: SmsPurpose;
  code: string;
}

/** One try against the latest live code: a wrong code always counts an attempt; a right one is consumed or left. */
async function tryLatestSmsCode(
  db: DbOrTx,
  app: Pick<AppContext, 'config' | 'pii'>,
  input: SmsCodeTry,
  { consume }: { consume: boolean },
): Promise<boolean> {
  const phoneIndex = phoneIndexOf(app, input.phone);
  const right = sql`code_hash = ${smsCodeHash(app, phoneIndex, input.purpose, input.code)}`;
  const set = consume
    ? sql`attempts = attempts + 1, consumed_at = case when ${right} then now() else null end`
    : sql`attempts = attempts + case when ${right} then 0 else 1 end`;
  const result = await db.execute(sql`
    update ${smsChallenges}
    set ${set}
    where id = (
        select id from ${smsChallenges}
        where phone_index = ${phoneIndex} and purpose = ${input.purpose}
          and consumed_at is null and expires_at > now()
        order by created_at desc
        limit 1
      )
      and consumed_at is null
      and attempts < ${SMS_CODE_MAX_ATTEMPTS}
      and expires_at > now()
    returning ${right} as ok`);
  const [row] = rowsOf<{ ok: boolean }>(result);
  return row?.ok === true;
}

export function smsCodeInvalid(): AppError {
  return fieldError('SMS_CODE_INVALID', 'smsCode');
}
