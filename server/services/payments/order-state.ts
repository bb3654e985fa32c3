/**
 * The one path that changes an order's payment state, shared by the
 * notification handler and the reconciler. Each call locks the order row
 * (`select … for update`) inside the caller's transaction and decides from
 * the row as it is then, so a notification delivered three times and a query
 * racing it end with one change: the first caller moves the order to paid;
 * the others find it paid and report a duplicate.
 *
 * Decisions for a transaction WeChat Pay reports (notification or query):
 *
 * - mchid or appid not ours                        → rejected (nothing changes)
 * - SUCCESS, amount ≠ order amount or currency ≠ CNY → flagged 'amount_mismatch' (never paid)
 * - SUCCESS on created / paying                    → paid (transaction_id, paid_at)
 * - SUCCESS on paid / refunding / refunded / flagged → duplicate (nothing changes)
 * - SUCCESS on closed (we closed it, then the money arrived: out of order)
 *                                                  → flagged 'paid_after_close' with the transaction
 *                                                    recorded; an operator refunds (npm run order:refund)
 *                                                    or delivers. Never silently paid, never auto-refunded.
 * - CLOSED / REVOKED on created / paying           → closed
 * - anything else (NOTPAY, USERPAYING, PAYERROR …) → nothing changes
 */
import { eq } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { orders } from '../../db/schema';
import type { WechatPayTransaction } from '../../integrations/wechatpay/wechatpay-client';
import { writePaymentAudit } from './payment-audit';

export type OrderRow = typeof orders.$inferSelect;

export type ApplyOutcome = 'applied' | 'duplicate' | 'flagged' | 'rejected' | 'unknown_order' | 'ignored';

export interface ApplyResult {
  outcome: ApplyOutcome;
  order: OrderRow | null;
  /** Why, for rejected and flagged outcomes (English, for the record). */
  error?: string;
}

export interface Merchant {
  mchid: string;
  appid: string;
}

export async function lockOrder(tx: Tx, outTradeNo: string): Promise<OrderRow | null> {
  const [row] = await tx.select().from(orders).where(eq(orders.outTradeNo, outTradeNo)).for('update');
  return row ?? null;
}

async function update(tx: Tx, id: string, set: Partial<typeof orders.$inferInsert>): Promise<OrderRow> {
  const [row] = await tx
    .update(orders)
    .set({ ...set, updatedAt: new Date() })
    .where(eq(orders.id, id))
    .returning();
  return row!;
}

function paidAt(transaction: WechatPayTransaction, fallback: Date): Date {
  const t = transaction.success_time ? new Date(transaction.success_time) : null;
  return t && !Number.isNaN(t.getTime()) ? t : fallback;
}

/** Apply what WeChat Pay says about a transaction, once, under the order's row lock. */
export async function applyTransaction(
  tx: Tx,
  merchant: Merchant,
  transaction: WechatPayTransaction,
  source: { kind: 'notification'; notificationId: string } | { kind: 'query' },
  now: Date,
): Promise<ApplyResult> {
  const order = await lockOrder(tx, transaction.out_trade_no);
  if (!order) return { outcome: 'unknown_order', order: null, error: 'no order with this out_trade_no' };
  if (transaction.mchid !== undefined && transaction.mchid !== merchant.mchid) {
    return { outcome: 'rejected', order, error: `mchid ${transaction.mchid} is not ours` };
  }
  if (transaction.appid !== undefined && transaction.appid !== merchant.appid) {
    return { outcome: 'rejected', order, error: `appid ${transaction.appid} is not ours` };
  }
  const audit = (action: 'payment.paid' | 'payment.flagged' | 'payment.closed', detail: Record<string, unknown>) =>
    writePaymentAudit(tx, {
      action,
      subject: { type: 'order', id: order.id },
      detail: { outTradeNo: order.outTradeNo, source: source.kind, ...('notificationId' in source ? { notificationId: source.notificationId } : {}), ...detail },
      success: action !== 'payment.flagged',
    });

  const state = transaction.trade_state;
  if (state === 'SUCCESS') {
    const total = transaction.amount?.total;
    const currency = transaction.amount?.currency ?? 'CNY';
    if (total !== order.amountFen || currency !== order.currency) {
      if (order.status === 'flagged' || order.status === 'paid' || order.status === 'refunding' || order.status === 'refunded') {
        return { outcome: 'duplicate', order, error: `amount ${total} ${currency} differs; order already ${order.status}` };
      }
      const reason = `amount_mismatch: notified ${total ?? '?'} ${currency}, order ${order.amountFen} ${order.currency}`;
      const row = await update(tx, order.id, {
        status: 'flagged',
        flaggedReason: reason,
        tradeState: state,
        transactionId: transaction.transaction_id ?? null,
      });
      await audit('payment.flagged', { reason, from: order.status });
      return { outcome: 'flagged', order: row, error: reason };
    }
    if (order.status === 'created' || order.status === 'paying') {
      const row = await update(tx, order.id, {
        status: 'paid',
        tradeState: state,
        transactionId: transaction.transaction_id ?? null,
        paidAt: paidAt(transaction, now),
      });
      await audit('payment.paid', { from: order.status, transactionId: transaction.transaction_id, amountFen: total });
      return { outcome: 'applied', order: row };
    }
    if (order.status === 'closed') {
      const reason = 'paid_after_close: WeChat Pay reports the payment of an order closed here; refund or deliver';
      const row = await update(tx, order.id, {
        status: 'flagged',
        flaggedReason: reason,
        tradeState: state,
        transactionId: transaction.transaction_id ?? null,
        paidAt: paidAt(transaction, now),
      });
      await audit('payment.flagged', { reason: 'paid_after_close', from: 'closed', transactionId: transaction.transaction_id });
      return { outcome: 'flagged', order: row, error: 'paid_after_close' };
    }
    return { outcome: 'duplicate', order };
  }
  if ((state === 'CLOSED' || state === 'REVOKED') && (order.status === 'created' || order.status === 'paying')) {
    const row = await update(tx, order.id, { status: 'closed', tradeState: state, closedAt: now });
    await audit('payment.closed', { from: order.status, tradeState: state });
    return { outcome: 'applied', order: row };
  }
  if (order.tradeState !== state && (order.status === 'created' || order.status === 'paying')) {
    await update(tx, order.id, { tradeState: state });
  }
  return { outcome: 'ignored', order };
}

/** Close an unpaid order here (after WeChat Pay closed it, or it never existed there). No-op otherwise. */
export async function closeOrderLocally(tx: Tx, outTradeNo: string, reason: string, now: Date): Promise<ApplyResult> {
  const order = await lockOrder(tx, outTradeNo);
  if (!order) return { outcome: 'unknown_order', order: null };
  if (order.status !== 'created' && order.status !== 'paying') return { outcome: 'duplicate', order };
  const row = await update(tx, order.id, { status: 'closed', closedAt: now, tradeState: 'CLOSED' });
  await writePaymentAudit(tx, {
    action: 'payment.closed',
    subject: { type: 'order', id: order.id },
    detail: { outTradeNo, from: order.status, reason },
  });
  return { outcome: 'applied', order: row };
}
