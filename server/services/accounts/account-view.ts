/**
 * The account as its owner sees it (AccountView: the phone masked), and the
 * helpers to store and find phones (encrypted + blind index).
 */
import { eq } from 'drizzle-orm';
import type { AccountView } from '../../../domain/api/auth';
import { AppError } from '../../../domain/errors';
import { maskPhone } from '../../../domain/masking';
import type { PiiCipher } from '../../crypto/pii';
import type { DbOrTx } from '../../db/client';
import { accounts } from '../../db/schema';

export type AccountRow = typeof accounts.$inferSelect;

/** AAD context of accounts.phone_cipher. */
export const ACCOUNT_PHONE_CONTEXT = 'accounts.phone';

export function phoneIndexOf(app: { pii: PiiCipher }, phone: string): string {
  return app.pii.blindIndex('phone', phone);
}

export function encryptPhone(app: { pii: PiiCipher }, phone: string): { phoneCipher: string; phoneIndex: string } {
  return { phoneCipher: app.pii.encrypt(phone, ACCOUNT_PHONE_CONTEXT), phoneIndex: phoneIndexOf(app, phone) };
}

/** The plaintext phone of an account (for password rules and masking only; never returned whole). */
export function phoneOf(app: { pii: PiiCipher }, row: Pick<AccountRow, 'phoneCipher'>): string | null {
  return row.phoneCipher ? app.pii.decrypt(row.phoneCipher, ACCOUNT_PHONE_CONTEXT) : null;
}

export function presentAccount(app: { pii: PiiCipher }, row: AccountRow): AccountView {
  const phone = phoneOf(app, row);
  return {
    id: row.id,
    role: row.role,
    username: row.username,
    displayName: row.displayName,
    phoneMasked: phone ? maskPhone(phone) : null,
    wechatBound: row.wechatMpOpenid !== null,
    schoolId: row.schoolId,
  };
}

export async function loadAccount(db: DbOrTx, id: string): Promise<AccountRow> {
  const [row] = await db.select().from(accounts).where(eq(accounts.id, id));
  if (!row) throw new AppError('NOT_FOUND');
  return row;
}

/** zh***an: the first two and last two characters around a fixed *** (the length stays hidden). */
export function maskUsername(username: string): string {
  const chars = [...username];
  if (chars.length <= 4) return `${chars[0] ?? ''}***${chars.length > 1 ? chars[chars.length - 1] : ''}`;
  return `${chars.slice(0, 2).join('')}***${chars.slice(-2).join('')}`;
}
