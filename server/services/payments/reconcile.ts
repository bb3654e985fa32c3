/**
 * Reconciliation (the payment-reconcile job, every minute): when no
 * notification came, ask WeChat Pay.
 *
 * - Orders still created/paying PAYMENT_RECONCILE_AFTER_S after creation are
 *   queried by out_trade_no. SUCCESS goes through the same single state path as
 *   a notification (order-state.ts), so a query racing a notification ends paid
 *   exactly once. CLOSED/REVOKED closes the order here.
 * - Past time_expire and still unpaid at WeChat Pay (NOTPAY, USERPAYING, or no
 *   such order because the prepay never arrived): closed at WeChat Pay first
 *   (POST …/close), then here. If WeChat Pay refuses because it was paid
 *   meanwhile (ORDER_PAID), the next query applies the payment.
 * - Refunds still requested/processing after the same delay are queried.
 *
 * Batches are bounded; the rest waits for the next minute.
 */
import { and, asc, inArray, lt } from 'drizzle-orm';
import type { AppContext } from '../../context';
import { orders, refunds } from '../../db/schema';
import { WechatPayApiError } from '../../integrations/wechatpay/wechatpay-client';
import { applyTransaction, closeOrderLocally } from './order-state';
import { applyRefund } from './refunds';

export interface ReconcileReport {
  queried: number;
  paid: number;
  closed: number;
  flagged: number;
  refundsQueried: number;
  errors: number;
}

const BATCH = 100;

export async function reconcilePayments(app: AppContext, options: { batchSize?: number } = {}): Promise<ReconcileReport> {
  const rt = await app.payments.load();
  const nowMs = rt.now();
  const now = new Date(nowMs);
  const cutoff = new Date(nowMs - app.config.PAYMENT_RECONCILE_AFTER_S * 1000);
  const report: ReconcileReport = { queried: 0, paid: 0, closed: 0, flagged: 0, refundsQueried: 0, errors: 0 };
  const merchant = { mchid: rt.keys.mchid, appid: app.config.WECHAT_MP_APPID };
  const log = app.logger.child({ component: 'payment-reconcile' });

  const open = await app.db
    .select({ outTradeNo: orders.outTradeNo, timeExpire: orders.timeExpire })
    .from(orders)
    .where(and(inArray(orders.status, ['created', 'paying']), lt(orders.createdAt, cutoff)))
    .orderBy(asc(orders.createdAt))
    .limit(options.batchSize ?? BATCH);

  for (const order of open) {
    try {
      report.queried += 1;
      const transaction = await rt.gateway.queryOrder(order.outTradeNo);
      if (transaction && transaction.trade_state !== 'NOTPAY' && transaction.trade_state !== 'USERPAYING') {
        const result = await app.db.transaction((tx) => applyTransaction(tx, merchant, transaction, { kind: 'query' }, now));
        if (result.outcome === 'applied' && result.order?.status === 'paid') report.paid += 1;
        else if (result.outcome === 'applied' && result.order?.status === 'closed') report.closed += 1;
        else if (result.outcome === 'flagged') report.flagged += 1;
        if (transaction.trade_state !== 'PAYERROR') continue;
      }
      if (order.timeExpire.getTime() > nowMs) continue;
      if (transaction) {
        try {
          await rt.gateway.closeOrder(order.outTradeNo);
        } catch (err) {
          // Paid between the query and the close: the next run's query applies it.
          if (err instanceof WechatPayApiError && err.code === 'ORDER_PAID') continue;
          if (!(err instanceof WechatPayApiError && err.code === 'ORDER_NOT_EXIST')) throw err;
        }
      }
      const closed = await app.db.transaction((tx) =>
        closeOrderLocally(tx, order.outTradeNo, transaction ? 'expired: closed at WeChat Pay' : 'expired: unknown to WeChat Pay', now),
      );
      if (closed.outcome === 'applied') report.closed += 1;
    } catch (err) {
      report.errors += 1;
      log.warn({ err, outTradeNo: order.outTradeNo }, 'reconciling an order failed; the next run retries');
    }
  }

  const pendingRefunds = await app.db
    .select({ outRefundNo: refunds.outRefundNo })
    .from(refunds)
    .where(and(inArray(refunds.status, ['requested', 'processing']), lt(refunds.createdAt, cutoff)))
    .orderBy(asc(refunds.createdAt))
    .limit(options.batchSize ?? BATCH);
  for (const refund of pendingRefunds) {
    try {
      report.refundsQueried += 1;
      const answer = await rt.gateway.queryRefund(refund.outRefundNo);
      if (answer) await app.db.transaction((tx) => applyRefund(tx, answer, 'query'));
    } catch (err) {
      report.errors += 1;
      log.warn({ err, outRefundNo: refund.outRefundNo }, 'reconciling a refund failed; the next run retries');
    }
  }
  return report;
}
