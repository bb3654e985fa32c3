/**
 * Audit rows of the payment use cases (orders, notifications, reconciliation,
 * refunds). Details hold ids, amounts, states and reasons: never a payer's
 * openid, a phone in clear or a decrypted notification.
 */
import type { AccountRole } from '../../../domain/api/auth';
import type { DbOrTx } from '../../db/client';
import { auditLog } from '../../db/schema';
import type { RequestMeta } from '../accounts/request-meta';

export type PaymentAuditAction =
  | 'payment.order_created'
  | 'payment.prepay_failed'
  | 'payment.notified'
  | 'payment.notify_rejected'
  | 'payment.paid'
  | 'payment.flagged'
  | 'payment.closed'
  | 'payment.refund_requested'
  | 'payment.refund_updated'
  | 'comm_card.phone_bound';

export interface PaymentAuditEntry {
  action: PaymentAuditAction;
  /** Null for WeChat Pay (notifications) and the reconciler; an operator's name for the CLI goes in detail. */
  actor?: { id: string; role: AccountRole } | null;
  subject: { type: 'order' | 'refund' | 'payment_notification' | 'student'; id: string } | null;
  detail?: Record<string, unknown>;
  success?: boolean;
  meta?: RequestMeta | null;
}

export async function writePaymentAudit(db: DbOrTx, entry: PaymentAuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    actorAccountId: entry.actor?.id ?? null,
    actorRole: entry.actor?.role ?? 'system',
    action: entry.action,
    subjectType: entry.subject?.type ?? null,
    subjectId: entry.subject?.id ?? null,
    ip: entry.meta?.ip ?? null,
    requestId: entry.meta?.requestId ?? null,
    detail: entry.detail ?? null,
    success: entry.success ?? true,
  });
}
