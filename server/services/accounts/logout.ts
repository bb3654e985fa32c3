/** Sign out: the caller's session is revoked (its token stops working at once). */
import type { AccountRole } from '../../../domain/api/auth';
import type { AppContext } from '../../context';
import { writeAccountAudit } from './audit';
import type { RequestMeta } from './request-meta';
import { revokeSession } from './sessions';

export async function logout(
  app: AppContext,
  caller: { sessionId: string; account: { id: string; role: AccountRole } },
  meta: RequestMeta,
): Promise<void> {
  await revokeSession(app.db, caller.sessionId);
  await writeAccountAudit(app.db, meta, { action: 'account.logout', account: { id: caller.account.id, role: caller.account.role } });
}
