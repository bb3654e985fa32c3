/**
 * Audit rows of the payment use cases (orders, notifications, reconciliation,
 * refunds). Details hold ids, amounts, states and reasons: never a payer's
 * openid, a phone in clear or a decrypted notification.
 */
import type { AccountRole } from '../../../domain/api/auth';
import type { DbOrTx } from '../../db/client';
import { writeAudit } from '../audit/audit';
import type { RequestMeta } from '../accounts/request-meta';
import { instrument } from '../../metrics/events';

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

/** The audit row of a payment step (the system acts when no account does), and the step's counter. */
export async function writePaymentAudit(db: DbOrTx, entry: PaymentAuditEntry): Promise<void> {
  await writeAudit(db, { ...entry, actor: entry.actor ?? 'system' });
  const state = paymentState(entry);
  if (state) instrument.payment({ state });
}

/** The state an audited payment step enters, for educard_payments_total (null: not a state change). */
function paymentState(entry: PaymentAuditEntry): string | null {
  switch (entry.action) {
    case 'payment.order_created':
      return 'created';
    case 'payment.prepay_failed':
      return 'prepay_failed';
    case 'payment.paid':
      return 'paid';
    case 'payment.flagged':
      return 'flagged';
    case 'payment.closed':
      return 'closed';
    case 'payment.refund_requested':
      return 'refund_requested';
    case 'payment.refund_updated': {
      const to = entry.detail?.to;
      return typeof to === 'string' && /^[a-z_]{1,20}$/.test(to) ? `refund_${to}` : null;
    }
    default:
      return null;
  }
}
