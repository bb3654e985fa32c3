/**
 * Password reset with an SMS code sent to the account's phone (purpose
 * reset_password). When several accounts share the phone, the username says
 * which; without it the answer is USERNAME_NEEDED (only after the code was
 * found right: the code holder owns the phone, so telling them is no leak).
 * Every session of the account is revoked, its failed sign-ins are cleared,
 * its open manual recovery requests are cancelled (the owner has the phone),
 * and the phone (SMS) and WeChat are told.
 * The code is consumed in the transaction of the change: a request that
 * changes nothing (username needed, weak password) leaves it usable.
 */
import { and, eq, isNotNull } from 'drizzle-orm';
import { usernameKey } from '../../../domain/account/credentials';
import type { AppContext } from '../../context';
import { accounts } from '../../db/schema';
import { hashPassword } from '../../security/passwords';
import { maskUsername, phoneIndexOf } from './account-view';
import { writeAccountAudit } from './audit';
import { assertPasswordAllowed, fieldError } from './errors';
import { accountGuardKey } from '../../security/login-guard';
import { announceSecurityEvent } from './security-notices';
import type { RequestMeta } from './request-meta';
import { revokeAllSessions } from './sessions';
import { consumeSmsCode, smsCodeInvalid } from './sms-codes';
import { cancelOpenRecoveryRequests } from './recovery-requests';

export interface ResetBySmsInput {
  phone: string;
  smsCode: string;
  username?: string | undefined;
  newPassword: string;
}

export async function resetPasswordBySms(app: AppContext, input: ResetBySmsInput, meta: RequestMeta): Promise<void> {
  const phoneIndex = phoneIndexOf(app, input.phone);
  const candidates = await app.db
    .select()
    .from(accounts)
    .where(and(eq(accounts.phoneIndex, phoneIndex), eq(accounts.status, 'active'), isNotNull(accounts.passwordHash)));
  const wanted = input.username ? usernameKey(input.username) : null;
  const chosen = wanted ? candidates.filter((c) => c.usernameKey === wanted) : candidates;
  const target = chosen.length === 1 ? chosen[0]! : null;
  // Hashing before the transaction keeps it short; the hash is dropped when no target is found.
  const passwordHash = await hashPassword(input.newPassword);

  const outcome = await app.db.transaction(async (tx) => {
    if (!(await consumeSmsCode(tx, app, { phone: input.phone, purpose: 'reset_password', code: input.smsCode }))) {
      return { ok: false as const };
    }
    // From here on the caller owns the phone; failures roll the code back so it can be used again.
    if (candidates.length === 0) throw fieldError('PHONE_NO_ACCOUNT', 'phone');
    if (wanted && chosen.length === 0) throw fieldError('PHONE_NO_ACCOUNT', 'username', '该手机号下没有这个用户名');
    if (!target) throw fieldError('USERNAME_NEEDED', 'username');
    assertPasswordAllowed(input.newPassword, { username: target.username, phone: input.phone }, 'newPassword');
    await tx.update(accounts).set({ passwordHash, updatedAt: new Date() }).where(eq(accounts.id, target.id));
    const revoked = await revokeAllSessions(tx, target.id);
    await writeAccountAudit(tx, meta, {
      action: 'account.password_reset',
      account: { id: target.id, role: target.role },
      detail: { method: 'sms', sessionsRevoked: revoked, username: target.username ? maskUsername(target.username) : null },
    });
    await announceSecurityEvent(tx, app, { accountId: target.id, event: 'password_reset', phone: input.phone });
    return { ok: true as const, target };
  });
  if (!outcome.ok) throw smsCodeInvalid();
  await cancelOpenRecoveryRequests(app, outcome.target, 'owner', meta);
  // The account's one failure counter starts over (the SMS reset never consults it: it stays open to the owner).
  await app.security.loginGuard.reset([accountGuardKey(outcome.target.id)]).catch(() => undefined);
}
