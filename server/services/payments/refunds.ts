/**
 * Refunds (operator command `npm run order:refund -- <out_trade_no>`), and the
 * one path that applies what WeChat Pay says about a refund (REFUND.*
 * notification, refund query, the refund API's own answer).
 *
 * Idempotent: out_refund_no = out_trade_no + 'R' + attempt. Re-running the
 * command while a refund is requested, processing or done reuses it (asks
 * WeChat Pay again with the same out_refund_no, which WeChat Pay treats as the
 * same refund); a new attempt starts only after WeChat Pay CLOSED the last
 * one. The refund covers the whole transaction: its total is what WeChat Pay
 * reports for the order (a query before the request), which may differ from
 * our amount on an order flagged for a wrong amount.
 *
 * Order states: paid | flagged → refunding → refunded (SUCCESS);
 * CLOSED returns the order to paid (or flagged when it was flagged).
 */
import { and, desc, eq } from 'drizzle-orm';
import { AppError } from '../../../domain/errors';
import type { AppContext } from '../../context';
import type { Tx } from '../../db/client';
import { orders, refunds } from '../../db/schema';
import { WechatPayApiError, type WechatPayRefund } from '../../integrations/wechatpay/wechatpay-client';
import type { ApplyResult } from './order-state';
import { writePaymentAudit } from './payment-audit';
import { outRefundNoFor } from './trade-numbers';

export type RefundRow = typeof refunds.$inferSelect;

const STATUS_OF: Record<string, RefundRow['status']> = {
  SUCCESS: 'success',
  CLOSED: 'closed',
  PROCESSING: 'processing',
  ABNORMAL: 'abnormal',
};

/** Apply a refund's state (from a notification, a query or the refund API) under the refund and order row locks. */
export async function applyRefund(
  tx: Tx,
  data: Pick<WechatPayRefund, 'out_refund_no' | 'refund_id' | 'success_time'> & { status: string },
  source: string,
): Promise<ApplyResult & { refund: RefundRow | null }> {
  const [refund] = await tx.select().from(refunds).where(eq(refunds.outRefundNo, data.out_refund_no)).for('update');
  if (!refund) return { outcome: 'unknown_order', order: null, refund: null, error: 'no refund with this out_refund_no' };
  const [order] = await tx.select().from(orders).where(eq(orders.id, refund.orderId)).for('update');
  const status = STATUS_OF[data.status];
  if (!status) return { outcome: 'ignored', order: order ?? null, refund };
  if (refund.status === status || refund.status === 'success' || refund.status === 'closed') {
    return { outcome: 'duplicate', order: order ?? null, refund };
  }
  const [updated] = await tx
    .update(refunds)
    .set({
      status,
      refundId: data.refund_id ?? refund.refundId,
      successAt: status === 'success' ? (data.success_time ? new Date(data.success_time) : new Date()) : null,
      updatedAt: new Date(),
    })
    .where(eq(refunds.id, refund.id))
    .returning();
  let orderRow = order ?? null;
  if (order && order.status === 'refunding' && (status === 'success' || status === 'closed')) {
    const next = status === 'success' ? 'refunded' : order.flaggedReason ? 'flagged' : 'paid';
    const [changed] = await tx.update(orders).set({ status: next, updatedAt: new Date() }).where(eq(orders.id, order.id)).returning();
    orderRow = changed ?? orderRow;
  }
  await writePaymentAudit(tx, {
    action: 'payment.refund_updated',
    subject: { type: 'refund', id: refund.id },
    detail: { outRefundNo: refund.outRefundNo, from: refund.status, to: status, source, orderStatus: orderRow?.status },
    success: status !== 'abnormal',
  });
  return { outcome: 'applied', order: orderRow ?? null, refund: updated! };
}

export interface RefundOrderResult {
  refund: RefundRow;
  /** True when this call created the refund row; false when an earlier run's refund was reused. */
  created: boolean;
  orderStatus: string;
}

/** Refund a paid (or flagged, with a transaction) order in full; safe to run again. */
export async function refundOrder(
  app: AppContext,
  input: { outTradeNo: string; reason?: string; requestedBy: string },
): Promise<RefundOrderResult> {
  const rt = await app.payments.load();
  const transaction = await rt.gateway.queryOrder(input.outTradeNo);

  const { refund, created } = await app.db.transaction(async (tx) => {
    const [order] = await tx.select().from(orders).where(eq(orders.outTradeNo, input.outTradeNo)).for('update');
    if (!order) throw new AppError('ORDER_NOT_FOUND');
    const [latest] = await tx.select().from(refunds).where(eq(refunds.orderId, order.id)).orderBy(desc(refunds.attempt)).limit(1);
    if (latest && latest.status !== 'closed') return { refund: latest, created: false };
    const refundable = order.status === 'paid' || (order.status === 'flagged' && order.transactionId !== null);
    if (!refundable || !transaction || (transaction.trade_state !== 'SUCCESS' && transaction.trade_state !== 'REFUND')) {
      throw new AppError('ORDER_NOT_REFUNDABLE');
    }
    const total = transaction.amount?.total ?? order.amountFen;
    const attempt = (latest?.attempt ?? 0) + 1;
    const [row] = await tx
      .insert(refunds)
      .values({
        orderId: order.id,
        outRefundNo: outRefundNoFor(order.outTradeNo, attempt),
        attempt,
        amountFen: total,
        reason: input.reason ?? null,
        requestedBy: input.requestedBy,
      })
      .returning();
    await tx.update(orders).set({ status: 'refunding', updatedAt: new Date() }).where(eq(orders.id, order.id));
    await writePaymentAudit(tx, {
      action: 'payment.refund_requested',
      subject: { type: 'refund', id: row!.id },
      detail: { outTradeNo: order.outTradeNo, outRefundNo: row!.outRefundNo, amountFen: total, attempt, requestedBy: input.requestedBy, reason: input.reason ?? null },
    });
    return { refund: row!, created: true };
  });

  // Processing or done: ask how it went. Requested (sent or not, answer unknown): send again with the same number.
  let answer: WechatPayRefund | null;
  if (refund.status === 'requested') {
    try {
      answer = await rt.gateway.createRefund({
        outTradeNo: input.outTradeNo,
        outRefundNo: refund.outRefundNo,
        ...(refund.reason ? { reason: refund.reason } : {}),
        notifyUrl: rt.notifyUrl,
        refundFen: refund.amountFen,
        totalFen: refund.amountFen,
      });
    } catch (err) {
      // The refund row stays 'requested'; the next run sends the same out_refund_no again.
      if (err instanceof WechatPayApiError) throw new AppError('ORDER_NOT_REFUNDABLE', { message: `微信支付拒绝退款：${err.code} ${err.message}`, cause: err });
      throw new AppError('PAYMENT_UNAVAILABLE', { cause: err });
    }
  } else {
    answer = await rt.gateway.queryRefund(refund.outRefundNo);
  }
  if (answer) {
    await app.db.transaction((tx) => applyRefund(tx, answer!, 'refund_api'));
  }
  const [after] = await app.db.select().from(refunds).where(eq(refunds.id, refund.id));
  const [order] = await app.db.select({ status: orders.status }).from(orders).where(and(eq(orders.id, refund.orderId)));
  return { refund: after!, created, orderStatus: order!.status };
}
