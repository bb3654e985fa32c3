/**
 * 账号申诉 / find my username: with an SMS code to the phone (purpose
 * find_username), the usernames on that phone, whole, with role and creation
 * date; an empty list when there are none. The code proves the caller holds
 * the phone, so the list is theirs to see, and a masked name could not be
 * typed into the sign-in form. Each reveal is audited; the audit detail keeps
 * only the masked name.
 */
import { and, asc, eq, isNotNull } from 'drizzle-orm';
import type { AccountRole } from '../../../domain/api/auth';
import type { AppContext } from '../../context';
import { accounts } from '../../db/schema';
import { maskUsername, phoneIndexOf } from './account-view';
import { writeAccountAudit } from './audit';
import type { RequestMeta } from './request-meta';
import { consumeSmsCode, smsCodeInvalid } from './sms-codes';

export interface RecoveredUsername {
  username: string;
  role: AccountRole;
  createdAt: string;
}

export async function recoverUsernames(
  app: AppContext,
  input: { phone: string; smsCode: string },
  meta: RequestMeta,
): Promise<RecoveredUsername[]> {
  if (!(await consumeSmsCode(app.db, app, { phone: input.phone, purpose: 'find_username', code: input.smsCode, ip: meta.ip }))) {
    throw smsCodeInvalid();
  }
  const rows = await app.db
    .select({ id: accounts.id, username: accounts.username, role: accounts.role, createdAt: accounts.createdAt })
    .from(accounts)
    .where(and(eq(accounts.phoneIndex, phoneIndexOf(app, input.phone)), isNotNull(accounts.username)))
    .orderBy(asc(accounts.createdAt));
  for (const row of rows) {
    await writeAccountAudit(app.db, meta, {
      action: 'account.username_recovered',
      account: { id: row.id, role: row.role },
      detail: { usernameMasked: maskUsername(row.username!) },
    });
  }
  return rows.map((row) => ({ username: row.username!, role: row.role, createdAt: row.createdAt.toISOString() }));
}
