/**
 * Sign-in with a username (any letter case) or a mobile number and a password.
 *
 * Several accounts may share a phone (a parent and a student account): signing
 * in by phone succeeds when the password matches exactly one of them.
 *
 * Unknown identifier and wrong password are indistinguishable: the same status
 * and body, one argon2 verification either way (against a dummy hash when
 * there is no account), and the same failure counting (LoginGuard: a captcha
 * from the 3rd failure on, a 15-minute lock at the 5th, even for the right
 * password). A per-IP limit on failures slows spraying many identifiers from
 * one address without hindering a school's NAT full of successful sign-ins.
 */
import { eq, inArray, and } from 'drizzle-orm';
import type { SessionResponse } from '../../../domain/api/auth';
import { AppError } from '../../../domain/errors';
import type { AppContext } from '../../context';
import { accounts } from '../../db/schema';
import { security } from '../../security';
import { hashPassword, needsRehash, verifyDummy, verifyPassword } from '../../security/passwords';
import { rateLimitedError } from '../../security/rate-limits';
import type { AccountRow } from './account-view';
import { writeAccountAudit } from './audit';
import { fieldError } from './errors';
import { parseLoginIdentifier } from './login-identifier';
import type { RequestMeta } from './request-meta';
import { startSession, type Channel } from './sessions';

export interface LoginInput {
  login: string;
  password: string;
  captchaId?: string | undefined;
  captchaAnswer?: string | undefined;
  channel: Channel;
}

export async function login(app: AppContext, input: LoginInput, meta: RequestMeta): Promise<SessionResponse> {
  const { limits, loginGuard, captcha } = security(app);
  await limits.loginFailuresPerIp.checkOrThrow(meta.ip);
  const identifier = parseLoginIdentifier(app, input.login);

  const state = await loginGuard.state(identifier.guardKey);
  if (state.lockedForSeconds !== null) throw rateLimitedError(state.lockedForSeconds, 'ACCOUNT_LOCKED');
  if (state.captchaRequired) {
    if (!input.captchaId || !input.captchaAnswer) throw fieldError('CAPTCHA_REQUIRED', 'captchaAnswer');
    if (!(await captcha.verify(input.captchaId, input.captchaAnswer))) throw fieldError('CAPTCHA_INVALID', 'captchaAnswer');
  }

  const candidates: AccountRow[] = await app.db
    .select()
    .from(accounts)
    .where(
      and(
        identifier.kind === 'phone' ? eq(accounts.phoneIndex, identifier.phoneIndex) : eq(accounts.usernameKey, identifier.usernameKey),
        inArray(accounts.status, ['active', 'disabled']),
      ),
    );
  const matched: AccountRow[] = [];
  if (candidates.length === 0) await verifyDummy(input.password);
  for (const candidate of candidates) {
    if (await verifyPassword(candidate.passwordHash, input.password)) matched.push(candidate);
  }

  if (matched.length !== 1) {
    const after = await loginGuard.recordFailure(identifier.guardKey);
    await limits.loginFailuresPerIp.add(meta.ip);
    const known = candidates.length === 1 ? candidates[0]! : null;
    await writeAccountAudit(app.db, meta, {
      action: 'account.login_failed',
      account: known ? { id: known.id, role: known.role } : null,
      detail: { login: identifier.masked, kind: identifier.kind, failures: after.failures },
      success: false,
    });
    if (after.lockedForSeconds !== null) throw rateLimitedError(after.lockedForSeconds, 'ACCOUNT_LOCKED');
    throw new AppError('INVALID_CREDENTIALS');
  }

  const account = matched[0]!;
  if (account.status !== 'active') throw new AppError('ACCOUNT_DISABLED');
  await loginGuard.reset(identifier.guardKey);
  if (account.passwordHash && needsRehash(account.passwordHash)) {
    await app.db.update(accounts).set({ passwordHash: await hashPassword(input.password) }).where(eq(accounts.id, account.id));
  }
  const session = await startSession(app.db, app, account, input.channel, meta);
  await writeAccountAudit(app.db, meta, {
    action: 'account.login',
    account: { id: account.id, role: account.role },
    detail: { login: identifier.masked, kind: identifier.kind, channel: input.channel },
  });
  return session;
}
