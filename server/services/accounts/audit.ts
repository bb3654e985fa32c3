/**
 * Audit rows of the accounts use cases. Details never hold a password, a code,
 * a token or a plaintext phone: identifiers are masked before they get here.
 */
import type { AccountRole } from '../../../domain/api/auth';
import type { DbOrTx } from '../../db/client';
import { auditLog } from '../../db/schema';
import type { RequestMeta } from './request-meta';

export type AccountAuditAction =
  | 'account.registered'
  | 'account.login'
  | 'account.login_failed'
  | 'account.logout'
  | 'account.password_changed'
  | 'account.password_reset'
  | 'account.password_reset_failed'
  | 'account.username_recovered'
  | 'account.activated'
  | 'account.wechat_bound';

export interface AccountAuditEntry {
  action: AccountAuditAction;
  /** The account acted on (and the actor, unless `actor` says otherwise); null when unknown. */
  account: { id: string; role: AccountRole } | null;
  detail?: Record<string, unknown>;
  success?: boolean;
}

export async function writeAccountAudit(db: DbOrTx, meta: RequestMeta, entry: AccountAuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    actorAccountId: entry.account?.id ?? null,
    actorRole: entry.account?.role ?? null,
    action: entry.action,
    subjectType: 'account',
    subjectId: entry.account?.id ?? null,
    ip: meta.ip,
    requestId: meta.requestId,
    detail: entry.detail ?? null,
    success: entry.success ?? true,
  });
}
