/**
 * The cool-off of an account cancellation (注销, account-erasure.ts): signing
 * in again before the erasure withdraws the request, as the WeChat platform's
 * own cancellation does. Told to the phone and WeChat, audited.
 */
import { and, eq, isNotNull } from 'drizzle-orm';
import type { AppContext } from '../../context';
import type { DbOrTx } from '../../db/client';
import { accounts } from '../../db/schema';
import { phoneOf, type AccountRow } from './account-view';
import { writeAccountAudit } from './audit';
import type { RequestMeta } from './request-meta';
import { announceSecurityEvent } from './security-notices';

export async function withdrawCancellationOnSignIn(db: DbOrTx, app: Pick<AppContext, 'pii'>, account: AccountRow, meta: RequestMeta): Promise<void> {
  if (!account.eraseAfter) return;
  const updated = await db
    .update(accounts)
    .set({ cancelRequestedAt: null, eraseAfter: null, updatedAt: new Date() })
    .where(and(eq(accounts.id, account.id), isNotNull(accounts.eraseAfter)))
    .returning({ id: accounts.id });
  if (updated.length === 0) return;
  await writeAccountAudit(db, meta, { action: 'account.cancellation_withdrawn', account: { id: account.id, role: account.role } });
  await announceSecurityEvent(db, app, { accountId: account.id, event: 'cancellation_withdrawn', phone: phoneOf(app, account) });
}
