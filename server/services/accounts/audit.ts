/**
 * Audit rows of the accounts use cases. Details never hold a password, a code,
 * a token or a plaintext phone: identifiers are masked before they get here.
 */
import type { AccountRole } from '../../../domain/api/auth';
import type { DbOrTx } from '../../db/client';
import { writeAudit } from '../audit/audit';
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
  | 'account.wechat_bound'
  | 'account.phone_changed'
  | 'account.recovery_filed'
  | 'account.recovery_approved'
  | 'account.recovery_rejected'
  | 'account.recovery_cancelled'
  | 'account.recovery_completed';

export interface AccountAuditEntry {
  action: AccountAuditAction;
  /** The actor when not the account itself (a head teacher deciding a recovery request). */
  actor?: { id: string; role: AccountRole };
  /** The account acted on (and the actor, unless `actor` says otherwise); null when unknown. */
  account: { id: string; role: AccountRole } | null;
  detail?: Record<string, unknown>;
  success?: boolean;
}

/** The account is the subject, and the actor unless `actor` names another. */
export async function writeAccountAudit(db: DbOrTx, meta: RequestMeta, entry: AccountAuditEntry): Promise<void> {
  await writeAudit(db, {
    action: entry.action,
    actor: entry.actor ?? entry.account,
    subject: { type: 'account', id: entry.account?.id ?? null },
    detail: entry.detail ?? null,
    success: entry.success ?? true,
    meta,
  });
}
