/**
 * First sign-in of a teacher (or school admin) created by the teachers import:
 * the account waits in `pending_activation` with the phone the school gave.
 * With an SMS code to that phone (purpose activate_teacher) the teacher picks a
 * username and password; the account becomes active and a session starts.
 * No pending account on the phone → TEACHER_NOT_FOUND (after the code was found
 * right, and without spending it). As in registration, the per-IP limit and
 * the code come before anything is said about the username and before the
 * argon2 hash (issue 12, attack 6).
 */
import { and, asc, eq, inArray } from 'drizzle-orm';
import { usernameKey } from '../../../domain/account/credentials';
import type { SessionResponse } from '../../../domain/api/auth';
import type { AppContext } from '../../context';
import { accounts } from '../../db/schema';
import { hashPassword } from '../../security/passwords';
import { phoneIndexOf } from './account-view';
import { writeAccountAudit } from './audit';
import { assertPasswordAllowed, assertUsernameNotCardNumber, fieldError } from './errors';
import { uniqueViolation } from './register';
import type { RequestMeta } from './request-meta';
import { startSession, type Channel } from './sessions';
import { checkSmsCode, consumeSmsCode, smsCodeInvalid } from './sms-codes';

export interface ActivateTeacherInput {
  phone: string;
  smsCode: string;
  username: string;
  password: string;
  channel: Channel;
}

export async function activateTeacher(app: AppContext, input: ActivateTeacherInput, meta: RequestMeta): Promise<SessionResponse> {
  await app.security.limits.registerPerIp.consumeOrThrow(meta.ip);
  if (!(await checkSmsCode(app.db, app, { phone: input.phone, purpose: 'activate_teacher', code: input.smsCode }))) {
    throw smsCodeInvalid();
  }
  assertPasswordAllowed(input.password, { username: input.username, phone: input.phone }, 'password');
  assertUsernameNotCardNumber(input.username);
  const key = usernameKey(input.username);
  const [taken] = await app.db.select({ id: accounts.id }).from(accounts).where(eq(accounts.usernameKey, key));
  if (taken) throw fieldError('USERNAME_TAKEN', 'username');
  const passwordHash = await hashPassword(input.password);

  let outcome: { ok: false } | { ok: true; session: SessionResponse };
  try {
    outcome = await app.db.transaction(async (tx) => {
      if (!(await consumeSmsCode(tx, app, { phone: input.phone, purpose: 'activate_teacher', code: input.smsCode }))) {
        return { ok: false as const };
      }
      // The oldest pending staff account of the phone, locked against a concurrent activation.
      const [pending] = await tx
        .select()
        .from(accounts)
        .where(
          and(
            eq(accounts.phoneIndex, phoneIndexOf(app, input.phone)),
            eq(accounts.status, 'pending_activation'),
            inArray(accounts.role, ['teacher', 'school_admin']),
          ),
        )
        .orderBy(asc(accounts.createdAt))
        .limit(1)
        .for('update');
      if (!pending) throw fieldError('TEACHER_NOT_FOUND', 'phone');
      const [active] = await tx
        .update(accounts)
        .set({ username: input.username, usernameKey: key, passwordHash, status: 'active', updatedAt: new Date() })
        .where(eq(accounts.id, pending.id))
        .returning();
      await writeAccountAudit(tx, meta, { action: 'account.activated', account: { id: active!.id, role: active!.role }, detail: { channel: input.channel } });
      return { ok: true as const, session: await startSession(tx, app, active!, input.channel, meta) };
    });
  } catch (err) {
    if (uniqueViolation(err) === 'username') throw fieldError('USERNAME_TAKEN', 'username');
    throw err;
  }
  if (!outcome.ok) throw smsCodeInvalid();
  return outcome.session;
}
