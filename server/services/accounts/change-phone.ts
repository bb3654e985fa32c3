/**
 * 更换手机号 (issue 12): a signed-in account replaces its phone with codes to
 * BOTH phones (purpose change_phone): the old one proves the owner still holds
 * it (a stolen session alone cannot move the account to another phone), the
 * new one that the number is theirs. The old phone (SMS) and WeChat are told.
 * Both codes are checked first (a wrong one counts a try on its code and
 * changes nothing) and consumed in the transaction of the change.
 */
import { eq } from 'drizzle-orm';
import type { AccountView } from '../../../domain/api/auth';
import { AppError } from '../../../domain/errors';
import type { AppContext } from '../../context';
import { accounts } from '../../db/schema';
import { encryptPhone, loadAccount, phoneOf, presentAccount } from './account-view';
import { writeAccountAudit } from './audit';
import { fieldError } from './errors';
import type { RequestMeta } from './request-meta';
import { announceSecurityEvent } from './security-notices';
import { checkSmsCode, consumeSmsCode, sendSmsCode, type SentSmsCode } from './sms-codes';

/** A change_phone code to the account's bound phone (the client never needs to know the number). */
export async function sendOldPhoneCode(app: AppContext, accountId: string, meta: RequestMeta): Promise<SentSmsCode> {
  const account = await loadAccount(app.db, accountId);
  const phone = phoneOf(app, account);
  if (!phone) throw new AppError('PHONE_NOT_BOUND');
  return sendSmsCode(app, { phone, purpose: 'change_phone', meta });
}

export async function changePhone(
  app: AppContext,
  input: { accountId: string; oldSmsCode: string; newPhone: string; newSmsCode: string },
  meta: RequestMeta,
): Promise<AccountView> {
  const account = await loadAccount(app.db, input.accountId);
  const oldPhone = phoneOf(app, account);
  if (!oldPhone) throw new AppError('PHONE_NOT_BOUND');
  if (oldPhone === input.newPhone) throw fieldError('PHONE_SAME', 'newPhone');
  // Checked first without consuming: a wrong code counts a try, a right one stays usable while the other is retyped.
  const oldOk = await checkSmsCode(app.db, app, { phone: oldPhone, purpose: 'change_phone', code: input.oldSmsCode });
  const newOk = await checkSmsCode(app.db, app, { phone: input.newPhone, purpose: 'change_phone', code: input.newSmsCode });
  if (!oldOk) throw fieldError('SMS_CODE_INVALID', 'oldSmsCode');
  if (!newOk) throw fieldError('SMS_CODE_INVALID', 'newSmsCode');
  const outcome = await app.db.transaction(async (tx) => {
    if (!(await consumeSmsCode(tx, app, { phone: oldPhone, purpose: 'change_phone', code: input.oldSmsCode }))) return { ok: false as const };
    if (!(await consumeSmsCode(tx, app, { phone: input.newPhone, purpose: 'change_phone', code: input.newSmsCode }))) return { ok: false as const };
    const [updated] = await tx
      .update(accounts)
      .set({ ...encryptPhone(app, input.newPhone), updatedAt: new Date() })
      .where(eq(accounts.id, account.id))
      .returning();
    await announceSecurityEvent(tx, app, { accountId: account.id, event: 'phone_changed', phone: oldPhone });
    await writeAccountAudit(tx, meta, { action: 'account.phone_changed', account: { id: account.id, role: account.role } });
    return { ok: true as const, account: updated! };
  });
  // A concurrent request used a code in between.
  if (!outcome.ok) throw fieldError('SMS_CODE_INVALID', 'newSmsCode');
  return presentAccount(app, outcome.account);
}
