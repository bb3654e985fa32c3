/**
 * Console sign-in: the same accounts (username or phone + password, the same
 * failure counting, captcha and lock as POST /api/auth/login) plus a second
 * factor on every new console session, an SMS code to the account's bound
 * phone (MLPS level 3 for consoles over personal data).
 *
 *   1. password → a challenge: an opaque id (shown once; Redis keeps only its
 *      HMAC) holding the account and the HMAC of a fresh 6-digit code, which is
 *      sent to the bound phone (the dev inbox shows it in development). Valid
 *      SMS_CODE_TTL_SECONDS, SMS_CODE_MAX_ATTEMPTS tries, single use.
 *   2. challenge + code → a console session (channel `console`): idles out after
 *      CONSOLE_SESSION_IDLE_MINUTES, ends CONSOLE_SESSION_MAX_HOURS after the
 *      sign-in (server/services/accounts/sessions.ts).
 *
 * Only school_admin and operator accounts may sign in here (403
 * CONSOLE_ROLE_REQUIRED for any other, after a correct password only, so the
 * answer reveals nothing to someone without it). An account whose password was
 * generated (npm run operator:create) must change it before anything else.
 */
import { and, eq, ne, isNull } from 'drizzle-orm';
import { SMS_CODE_MAX_ATTEMPTS, SMS_CODE_TTL_SECONDS } from '../../../domain/api/auth';
import {
  isConsoleRole,
  type ConsoleChallengeResponse,
  type ConsoleMeResponse,
  type ConsoleSessionResponse,
} from '../../../domain/api/console';
import { AppError } from '../../../domain/errors';
import { maskPhone } from '../../../domain/masking';
import type { AppContext } from '../../context';
import type { DbOrTx } from '../../db/client';
import { accounts, schools, sessions } from '../../db/schema';
import { writeAudit } from '../audit/audit';
import { hashPassword, verifyPassword } from '../../security/passwords';
import { newToken, purposeHmac, safeEqual, TOKEN_PATTERN } from '../../security/tokens';
import { loadAccount, phoneIndexOf, phoneOf, presentAccount } from '../accounts/account-view';
import { assertPasswordAllowed, fieldError } from '../accounts/errors';
import { checkPassword } from '../accounts/login';
import type { RequestMeta } from '../accounts/request-meta';
import { createSession, revokeSession } from '../accounts/sessions';
import { newSmsCode } from '../accounts/sms-codes';

const CHALLENGE_KEY_PREFIX = 'console-2fa:';

export type ConsoleAuditAction =
  | 'console.password_accepted'
  | 'console.login_failed'
  | 'console.second_factor_failed'
  | 'console.login'
  | 'console.logout'
  | 'console.password_changed'
  | 'console.refused_role';

export async function writeConsoleAudit(
  db: DbOrTx,
  meta: Pick<RequestMeta, 'ip' | 'requestId'>,
  entry: {
    action: ConsoleAuditAction | `console.${string}`;
    actor: { id: string; role: string } | null;
    subject?: { type: string; id: string };
    detail?: Record<string, unknown>;
    success?: boolean;
  },
): Promise<void> {
  await writeAudit(db, {
    action: entry.action,
    actor: entry.actor,
    subject: { type: entry.subject?.type ?? 'account', id: entry.subject?.id ?? entry.actor?.id ?? null },
    detail: entry.detail ?? null,
    success: entry.success ?? true,
    meta,
  });
}

function challengeKey(app: Pick<AppContext, 'config'>, challengeId: string): string {
  return `${app.config.QUEUE_PREFIX}:${CHALLENGE_KEY_PREFIX}${purposeHmac(app.config.SESSION_SECRET, 'console-challenge', challengeId)}`;
}

function codeHash(app: Pick<AppContext, 'config'>, challengeId: string, accountId: string, code: string): string {
  return purposeHmac(app.config.SESSION_SECRET, 'console-sms-code', `${challengeId}\u0000${accountId}\u0000${code}`);
}

export interface PasswordStepInput {
  login: string;
  password: string;
  captchaId?: string | undefined;
  captchaAnswer?: string | undefined;
}

/** Step 1: check the password as POST /api/auth/login does, then send the code and answer the challenge. */
export async function consolePasswordStep(app: AppContext, input: PasswordStepInput, meta: RequestMeta): Promise<ConsoleChallengeResponse> {
  // A phone shared by a family account and a staff account: the console account of the two.
  const { account } = await checkPassword(app, input, meta, (matched) => {
    const consoleMatches = matched.filter((a) => isConsoleRole(a.role));
    return consoleMatches.length === 1 ? consoleMatches[0]! : matched.length === 1 ? matched[0]! : null;
  });
  if (!isConsoleRole(account.role)) {
    await writeConsoleAudit(app.db, meta, { action: 'console.refused_role', actor: { id: account.id, role: account.role }, success: false });
    throw new AppError('CONSOLE_ROLE_REQUIRED');
  }
  const phone = phoneOf(app, account);
  if (!phone) throw new AppError('CONSOLE_PHONE_REQUIRED');

  // The same SMS limits as every code: the IP first, then the phone's quota for this purpose only.
  const { limits } = app.security;
  await limits.smsPerIp.consumeOrThrow(meta.ip);
  const quotaKey = `${phoneIndexOf(app, phone)}:console_sign_in`;
  await limits.smsPerPhoneMinute.consumeOrThrow(quotaKey);
  await limits.smsPerPhoneDay.consumeOrThrow(quotaKey);

  const challengeId = newToken();
  const code = newSmsCode();
  const key = challengeKey(app, challengeId);
  await app.redis
    .multi()
    .hset(key, { accountId: account.id, codeHash: codeHash(app, challengeId, account.id, code), attempts: '0' })
    .expire(key, SMS_CODE_TTL_SECONDS)
    .exec();
  try {
    await app.sms.send({ template: 'verification_code', phone, params: { code, minutes: SMS_CODE_TTL_SECONDS / 60 } });
  } catch (err) {
    await app.redis.del(key);
    throw new AppError('SMS_SEND_FAILED', { cause: err });
  }
  await writeConsoleAudit(app.db, meta, { action: 'console.password_accepted', actor: { id: account.id, role: account.role } });
  return { challengeId, phoneMasked: maskPhone(phone), expiresIn: SMS_CODE_TTL_SECONDS };
}

/**
 * Step 2: the code of the challenge. A wrong code counts one try (the challenge
 * dies at SMS_CODE_MAX_ATTEMPTS); the right one consumes it (single use, even
 * under concurrent tries: only the request that deletes the key proceeds).
 */
export async function consoleVerifyStep(app: AppContext, input: { challengeId: string; smsCode: string }, meta: RequestMeta): Promise<ConsoleSessionResponse> {
  if (!TOKEN_PATTERN.test(input.challengeId)) throw fieldError('CONSOLE_CHALLENGE_INVALID', 'challengeId');
  const key = challengeKey(app, input.challengeId);
  const stored = await app.redis.hgetall(key);
  if (!stored.accountId || !stored.codeHash) throw fieldError('CONSOLE_CHALLENGE_INVALID', 'challengeId');
  const attempts = await app.redis.hincrby(key, 'attempts', 1);
  if (attempts > SMS_CODE_MAX_ATTEMPTS) {
    await app.redis.del(key);
    throw fieldError('CONSOLE_CHALLENGE_INVALID', 'challengeId');
  }
  const right = safeEqual(stored.codeHash, codeHash(app, input.challengeId, stored.accountId, input.smsCode));
  if (!right) {
    await writeConsoleAudit(app.db, meta, { action: 'console.second_factor_failed', actor: { id: stored.accountId, role: 'unknown' }, detail: { attempts }, success: false });
    if (attempts >= SMS_CODE_MAX_ATTEMPTS) await app.redis.del(key);
    throw fieldError('SMS_CODE_INVALID', 'smsCode');
  }
  if ((await app.redis.del(key)) !== 1) throw fieldError('CONSOLE_CHALLENGE_INVALID', 'challengeId');

  const account = await loadAccount(app.db, stored.accountId);
  if (account.status !== 'active') throw new AppError('ACCOUNT_DISABLED');
  if (!isConsoleRole(account.role)) throw new AppError('CONSOLE_ROLE_REQUIRED');
  const session = await app.db.transaction(async (tx) => {
    const created = await createSession(tx, app, { accountId: account.id, channel: 'console', meta });
    await writeConsoleAudit(tx, meta, { action: 'console.login', actor: { id: account.id, role: account.role }, detail: { sessionId: created.sessionId } });
    return created;
  });
  return {
    token: session.token,
    expiresAt: session.expiresAt.toISOString(),
    idleTimeoutSeconds: app.config.CONSOLE_SESSION_IDLE_MINUTES * 60,
    account: presentAccount(app, account),
    passwordChangeRequired: account.passwordChangeRequired,
  };
}

export async function consoleMe(app: AppContext, auth: { sessionId: string; account: { id: string }; expiresAt?: Date }): Promise<ConsoleMeResponse> {
  const account = await loadAccount(app.db, auth.account.id);
  const [school] = account.schoolId
    ? await app.db.select({ id: schools.id, code: schools.code, name: schools.name }).from(schools).where(eq(schools.id, account.schoolId))
    : [];
  let expiresAt = auth.expiresAt;
  if (!expiresAt) {
    const [row] = await app.db.select({ expiresAt: sessions.expiresAt }).from(sessions).where(eq(sessions.id, auth.sessionId));
    expiresAt = row?.expiresAt ?? new Date();
  }
  return {
    account: presentAccount(app, account),
    school: school ?? null,
    passwordChangeRequired: account.passwordChangeRequired,
    idleTimeoutSeconds: app.config.CONSOLE_SESSION_IDLE_MINUTES * 60,
    expiresAt: expiresAt.toISOString(),
  };
}

/**
 * The console's password change (and the forced one at a first sign-in): the
 * current password, the same rules as everywhere, the flag cleared, every other
 * session of the account revoked; this console session goes on.
 */
export async function consoleChangePassword(
  app: AppContext,
  auth: { sessionId: string; account: { id: string } },
  input: { currentPassword: string; newPassword: string },
  meta: RequestMeta,
): Promise<ConsoleMeResponse> {
  const limiter = app.security.limits.passwordChangeFailures;
  const state = await limiter.get(auth.account.id);
  if (state && state.consumed >= limiter.rule.points) await limiter.consumeOrThrow(auth.account.id);
  const account = await loadAccount(app.db, auth.account.id);
  if (!(await verifyPassword(account.passwordHash, input.currentPassword))) {
    await limiter.add(auth.account.id);
    throw fieldError('CURRENT_PASSWORD_WRONG', 'currentPassword');
  }
  if (input.newPassword === input.currentPassword) {
    throw new AppError('VALIDATION_FAILED', { fields: { 'body.newPassword': '新密码不能与当前密码相同' } });
  }
  assertPasswordAllowed(input.newPassword, { username: account.username, phone: phoneOf(app, account) }, 'newPassword');
  const passwordHash = await hashPassword(input.newPassword);
  await app.db.transaction(async (tx) => {
    await tx.update(accounts).set({ passwordHash, passwordChangeRequired: false, updatedAt: new Date() }).where(eq(accounts.id, account.id));
    const revoked = await tx
      .update(sessions)
      .set({ revokedAt: new Date() })
      .where(and(eq(sessions.accountId, account.id), isNull(sessions.revokedAt), ne(sessions.id, auth.sessionId)))
      .returning({ id: sessions.id });
    await writeConsoleAudit(tx, meta, {
      action: 'console.password_changed',
      actor: { id: account.id, role: account.role },
      detail: { forced: account.passwordChangeRequired, sessionsRevoked: revoked.length },
    });
  });
  await limiter.delete(auth.account.id);
  return consoleMe(app, auth);
}

export async function consoleLogout(app: AppContext, auth: { sessionId: string; account: { id: string; role: string } }, meta: RequestMeta): Promise<void> {
  await app.db.transaction(async (tx) => {
    await revokeSession(tx, auth.sessionId);
    await writeConsoleAudit(tx, meta, { action: 'console.logout', actor: auth.account });
  });
}
