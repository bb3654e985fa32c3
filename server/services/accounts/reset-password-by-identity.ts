/**
 * Password reset without the phone (找回密码 · 身份验证): the username or the
 * education card number of the account, plus the resident ID number of a
 * student the account holds. A captcha is always required, failures are
 * counted per login like sign-in (lock after 5 for 15 minutes) and per IP, and
 * an unknown account answers exactly like a mismatch (IDENTITY_MISMATCH).
 */
import { and, eq } from 'drizzle-orm';
import { usernameKey } from '../../../domain/account/credentials';
import { isValidCardNumber, normalizeCardNumber } from '../../../domain/card/card-number';
import { AppError } from '../../../domain/errors';
import type { AppContext } from '../../context';
import { accounts, students } from '../../db/schema';
import { security } from '../../security';
import { hashPassword } from '../../security/passwords';
import { rateLimitedError } from '../../security/rate-limits';
import { maskUsername, phoneOf, type AccountRow } from './account-view';
import { writeAccountAudit } from './audit';
import { assertPasswordAllowed, fieldError } from './errors';
import { phoneGuardKey, usernameGuardKey } from './login-identifier';
import type { RequestMeta } from './request-meta';
import { revokeAllSessions } from './sessions';

export interface ResetByIdentityInput {
  login: string;
  studentResidentId: string;
  newPassword: string;
  captchaId: string;
  captchaAnswer: string;
}

/** The account by education card number (when the login is a valid one), else by username. */
async function findAccount(app: AppContext, login: string): Promise<AccountRow | null> {
  const card = normalizeCardNumber(login);
  if (isValidCardNumber(card)) {
    const [byCard] = await app.db
      .select({ account: accounts })
      .from(students)
      .innerJoin(accounts, eq(accounts.id, students.familyAccountId))
      .where(eq(students.cardNumber, card));
    if (byCard) return byCard.account;
  }
  const [byUsername] = await app.db.select().from(accounts).where(eq(accounts.usernameKey, usernameKey(login)));
  return byUsername ?? null;
}

export async function resetPasswordByIdentity(app: AppContext, input: ResetByIdentityInput, meta: RequestMeta): Promise<void> {
  const { limits, identityResetGuard, loginGuard, captcha } = security(app);
  await limits.identityResetPerIp.consumeOrThrow(meta.ip);
  // Normalised like the look-up, so spacing or letter case cannot dodge the count.
  const card = normalizeCardNumber(input.login);
  const guardKey = isValidCardNumber(card) ? `c:${card}` : usernameGuardKey(usernameKey(input.login));
  const state = await identityResetGuard.state(guardKey);
  if (state.lockedForSeconds !== null) throw rateLimitedError(state.lockedForSeconds, 'ACCOUNT_LOCKED');
  if (!(await captcha.verify(input.captchaId, input.captchaAnswer))) throw fieldError('CAPTCHA_INVALID', 'captchaAnswer');

  const account = await findAccount(app, input.login);
  let matches = false;
  if (account && account.status === 'active') {
    const residentIdIndex = app.pii.blindIndex('resident_id', input.studentResidentId);
    const [student] = await app.db
      .select({ id: students.id })
      .from(students)
      .where(and(eq(students.familyAccountId, account.id), eq(students.residentIdIndex, residentIdIndex)))
      .limit(1);
    matches = student !== undefined;
  }
  if (!account || !matches) {
    const after = await identityResetGuard.recordFailure(guardKey);
    await writeAccountAudit(app.db, meta, {
      action: 'account.password_reset_failed',
      account: account ? { id: account.id, role: account.role } : null,
      detail: { method: 'identity', login: maskUsername(input.login.trim()) },
      success: false,
    });
    if (after.lockedForSeconds !== null) throw rateLimitedError(after.lockedForSeconds, 'ACCOUNT_LOCKED');
    throw new AppError('IDENTITY_MISMATCH');
  }

  const phone = phoneOf(app, account);
  assertPasswordAllowed(input.newPassword, { username: account.username, phone }, 'newPassword');
  const passwordHash = await hashPassword(input.newPassword);
  await app.db.transaction(async (tx) => {
    await tx.update(accounts).set({ passwordHash, updatedAt: new Date() }).where(eq(accounts.id, account.id));
    const revoked = await revokeAllSessions(tx, account.id);
    await writeAccountAudit(tx, meta, {
      action: 'account.password_reset',
      account: { id: account.id, role: account.role },
      detail: { method: 'identity', sessionsRevoked: revoked },
    });
  });
  await identityResetGuard.reset(guardKey).catch(() => undefined);
  if (account.usernameKey) await loginGuard.reset(usernameGuardKey(account.usernameKey)).catch(() => undefined);
  if (account.phoneIndex) await loginGuard.reset(phoneGuardKey(account.phoneIndex)).catch(() => undefined);
}
