/**
 * A signed-in account changes its password: the current password is checked
 * (wrong answers count toward a small per-account limit, so a stolen session
 * cannot be used to guess it), the new one must pass the rules with the
 * account's username and phone, every session of the account is revoked, the
 * caller gets a fresh session, and the phone (SMS) and WeChat are told.
 */
import { eq } from 'drizzle-orm';
import type { SessionResponse } from '../../../domain/api/auth';
import type { AppContext } from '../../context';
import { accounts, sessions } from '../../db/schema';
import { hashPassword, verifyPassword } from '../../security/passwords';
import { loadAccount, phoneOf } from './account-view';
import { writeAccountAudit } from './audit';
import { assertPasswordAllowed, fieldError } from './errors';
import type { RequestMeta } from './request-meta';
import { announceSecurityEvent } from './security-notices';
import { revokeAllSessions, startSession, type Channel } from './sessions';

export async function changePassword(
  app: AppContext,
  input: { accountId: string; sessionId: string; currentPassword: string; newPassword: string },
  meta: RequestMeta,
): Promise<SessionResponse> {
  const limiter = app.security.limits.passwordChangeFailures;
  const state = await limiter.get(input.accountId);
  if (state && state.consumed >= limiter.rule.points) {
    await limiter.consumeOrThrow(input.accountId); // throws 429 with the time left
  }
  const account = await loadAccount(app.db, input.accountId);
  if (!(await verifyPassword(account.passwordHash, input.currentPassword))) {
    await limiter.add(input.accountId);
    throw fieldError('CURRENT_PASSWORD_WRONG', 'currentPassword');
  }
  assertPasswordAllowed(input.newPassword, { username: account.username, phone: phoneOf(app, account) }, 'newPassword');
  const passwordHash = await hashPassword(input.newPassword);
  const [current] = await app.db.select({ channel: sessions.channel }).from(sessions).where(eq(sessions.id, input.sessionId));
  const channel: Channel = current?.channel ?? 'h5';
  const session = await app.db.transaction(async (tx) => {
    await tx.update(accounts).set({ passwordHash, updatedAt: new Date() }).where(eq(accounts.id, account.id));
    const revoked = await revokeAllSessions(tx, account.id);
    await writeAccountAudit(tx, meta, {
      action: 'account.password_changed',
      account: { id: account.id, role: account.role },
      detail: { sessionsRevoked: revoked },
    });
    await announceSecurityEvent(tx, app, { accountId: account.id, event: 'password_changed', phone: phoneOf(app, account) });
    return startSession(tx, app, account, channel, meta);
  });
  await limiter.delete(input.accountId);
  return session;
}
