/**
 * Sign-in with a username (any letter case) or a mobile number and a password.
 *
 * Several accounts may share a phone (a parent and a student account): signing
 * in by phone succeeds when the password matches exactly one of them.
 *
 * Unknown identifier and wrong password are indistinguishable: the same status
 * and body, one argon2 verification either way (against a dummy hash when
 * there is no account), and the same failure counting (LoginGuard: a captcha
 * from the 3rd failure on, then a doubling delay from the 5th; 还可尝试 N 次
 * in the answer). Failures count per ACCOUNT: the username in any case and the
 * phone with or without +86 reach the same counter (a shared phone counts on
 * each of its accounts); an identifier without an account has its own.
 * A per-IP limit on failures slows spraying many identifiers from one address
 * without hindering a school's NAT full of successful sign-ins. A successful
 * sign-in cancels the account's open manual recovery requests (the owner is
 * evidently not locked out).
 */
import { eq, inArray, and } from 'drizzle-orm';
import type { SessionResponse } from '../../../domain/api/auth';
import { AppError, errorMessage } from '../../../domain/errors';
import type { AppContext } from '../../context';
import { accounts } from '../../db/schema';
import { hashPassword, needsRehash, verifyDummy, verifyPassword } from '../../security/passwords';
import { accountGuardKey } from '../../security/login-guard';
import { waitPhrase } from '../../security/rate-limits';
import type { AccountRow } from './account-view';
import { writeAccountAudit } from './audit';
import { fieldError } from './errors';
import { parseLoginIdentifier } from './login-identifier';
import type { RequestMeta } from './request-meta';
import { cancelOpenRecoveryRequests } from './recovery-requests';
import { startSession, type Channel } from './sessions';

export interface LoginInput {
  login: string;
  password: string;
  captchaId?: string | undefined;
  captchaAnswer?: string | undefined;
  channel: Channel;
}

export type PasswordCheckInput = Omit<LoginInput, 'channel'>;

/** Several accounts matched the password (a shared phone): which one signs in, or null for none. */
export type AccountPick = (matched: readonly AccountRow[]) => AccountRow | null;
const exactlyOne: AccountPick = (matched) => (matched.length === 1 ? matched[0]! : null);

/**
 * The password step of every sign-in (the app's and the console's): the per-IP limit, the account's failure
 * counter with its captcha and delay, one argon2 verification per candidate, audit of failures. Returns the
 * active account; its counter is reset, its open recovery requests cancelled and its hash upgraded.
 */
export async function checkPassword(
  app: AppContext,
  input: PasswordCheckInput,
  meta: RequestMeta,
  pick: AccountPick = exactlyOne,
): Promise<{ account: AccountRow; identifier: ReturnType<typeof parseLoginIdentifier> }> {
  const { limits, loginGuard, captcha } = app.security;
  await limits.loginFailuresPerIp.checkOrThrow(meta.ip);
  const identifier = parseLoginIdentifier(app, input.login);

  const candidates: AccountRow[] = await app.db
    .select()
    .from(accounts)
    .where(
      and(
        identifier.kind === 'phone' ? eq(accounts.phoneIndex, identifier.phoneIndex) : eq(accounts.usernameKey, identifier.usernameKey),
        inArray(accounts.status, ['active', 'disabled']),
      ),
    );
  // One counter per account, whatever was typed; an unknown identifier has a counter of its own.
  const guardKeys = candidates.length > 0 ? candidates.map((c) => accountGuardKey(c.id)) : [identifier.guardKey];
  const state = await loginGuard.state(guardKeys);
  if (state.delayedForSeconds !== null) throw delayedError(state.delayedForSeconds);
  if (state.captchaRequired) {
    if (!input.captchaId || !input.captchaAnswer) throw withRemaining(fieldError('CAPTCHA_REQUIRED', 'captchaAnswer'), state.remainingAttempts);
    if (!(await captcha.verify(input.captchaId, input.captchaAnswer))) throw withRemaining(fieldError('CAPTCHA_INVALID', 'captchaAnswer'), state.remainingAttempts);
  }

  const matched: AccountRow[] = [];
  if (candidates.length === 0) await verifyDummy(input.password);
  for (const candidate of candidates) {
    if (await verifyPassword(candidate.passwordHash, input.password)) matched.push(candidate);
  }

  const picked = pick(matched);
  if (!picked) {
    const after = await loginGuard.recordFailure(guardKeys);
    await limits.loginFailuresPerIp.add(meta.ip);
    const known = candidates.length === 1 ? candidates[0]! : null;
    await writeAccountAudit(app.db, meta, {
      action: 'account.login_failed',
      account: known ? { id: known.id, role: known.role } : null,
      detail: { login: identifier.masked, kind: identifier.kind, failures: after.failures },
      success: false,
    });
    if (after.delayedForSeconds !== null) throw delayedError(after.delayedForSeconds);
    throw new AppError('INVALID_CREDENTIALS', {
      message: `${errorMessage('INVALID_CREDENTIALS')}，还可尝试 ${after.remainingAttempts} 次`,
      remainingAttempts: after.remainingAttempts,
    });
  }

  const account = picked;
  if (account.status !== 'active') throw new AppError('ACCOUNT_DISABLED');
  await loginGuard.reset([accountGuardKey(account.id)]);
  await cancelOpenRecoveryRequests(app, account, 'signed_in', meta);
  if (account.passwordHash && needsRehash(account.passwordHash)) {
    await app.db.update(accounts).set({ passwordHash: await hashPassword(input.password) }).where(eq(accounts.id, account.id));
  }
  return { account, identifier };
}

export async function login(app: AppContext, input: LoginInput, meta: RequestMeta): Promise<SessionResponse> {
  const { account, identifier } = await checkPassword(app, input, meta);
  const session = await startSession(app.db, app, account, input.channel, meta);
  await writeAccountAudit(app.db, meta, {
    action: 'account.login',
    account: { id: account.id, role: account.role },
    detail: { login: identifier.masked, kind: identifier.kind, channel: input.channel },
  });
  return session;
}

/** 429 during the growing delay: when to try again, and that the SMS reset stays open. */
function delayedError(seconds: number): AppError {
  return new AppError('ACCOUNT_LOCKED', {
    message: `密码错误次数过多，请 ${waitPhrase(seconds)}后再试，或用短信验证码重置密码`,
    retryAfterSeconds: seconds,
    remainingAttempts: 0,
  });
}

function withRemaining(error: AppError, remainingAttempts: number): AppError {
  return new AppError(error.code, { message: error.message, ...(error.fields ? { fields: error.fields } : {}), remainingAttempts });
}
