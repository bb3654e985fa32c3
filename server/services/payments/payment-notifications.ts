/**
 * POST /api/payments/wechatpay/notify: a WeChat Pay notification, judged in
 * this order (see server/integrations/wechatpay/notification.ts):
 *
 * 1. signature over the raw body with the key named by Wechatpay-Serial, and a
 *    timestamp within WECHATPAY_NOTIFY_MAX_SKEW_S → otherwise 401, nothing is
 *    stored but a refused-attempt audit row (an unverified body cannot be
 *    trusted even for its notification id);
 * 2. body shape and AES-256-GCM decryption → otherwise 400, recorded as rejected;
 * 3. one transaction: record the notification (id = WeChat's id; a repeated
 *    delivery counts up `deliveries`), apply it through the single state path
 *    (order-state.ts / refunds.ts) under the row lock, audit 'payment.notified'.
 *
 * Answers (DOMAIN.md §4): 204 with no body when handled (applied, duplicate,
 * flagged for an operator, ignored event); 4xx/5xx with
 * {"code":"FAIL","message":"失败"} otherwise (WeChat Pay retries those).
 * An unknown order is recorded and answered 404; an order of another
 * merchant or app, 400.
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AppContext } from '../../context';
import type { DbOrTx } from '../../db/client';
import { paymentNotifications } from '../../db/schema';
import {
  checkNotificationSignature,
  decryptNotificationResource,
  NotificationEnvelopeSchema,
  type NotificationHeaders,
} from '../../integrations/wechatpay/notification';
import type { WechatPayTransaction } from '../../integrations/wechatpay/wechatpay-client';
import type { RequestMeta } from '../accounts/request-meta';
import { applyTransaction, type ApplyOutcome } from './order-state';
import { writePaymentAudit } from './payment-audit';
import { applyRefund } from './refunds';

export interface NotifyAnswer {
  status: number;
  /** Undefined: no body. */
  body?: { code: 'FAIL'; message: string };
  outcome: ApplyOutcome | 'unauthenticated' | 'bad_request';
}

const FAIL = { code: 'FAIL' as const, message: '失败' };

const TransactionSchema = z.looseObject({
  out_trade_no: z.string().min(1),
  trade_state: z.string().min(1),
  mchid: z.string().optional(),
  appid: z.string().optional(),
  transaction_id: z.string().optional(),
  success_time: z.string().optional(),
  amount: z.looseObject({ total: z.number().int(), currency: z.string().optional() }).optional(),
});

const RefundSchema = z.looseObject({
  out_refund_no: z.string().min(1),
  out_trade_no: z.string().optional(),
  refund_id: z.string().optional(),
  refund_status: z.string().min(1),
  success_time: z.string().optional(),
});

const STATUS_OF_OUTCOME: Record<ApplyOutcome, number> = {
  applied: 204,
  duplicate: 204,
  flagged: 204,
  ignored: 204,
  unknown_order: 404,
  rejected: 400,
};

export async function handleWechatPayNotification(
  app: AppContext,
  input: { headers: NotificationHeaders; rawBody: string; meta: RequestMeta },
): Promise<NotifyAnswer> {
  const rt = await app.payments.load();
  const nowMs = rt.now();
  const check = checkNotificationSignature(rt.keys, input.headers, input.rawBody, {
    // Wall-clock time: WeChat Pay's timestamps are real time (the injectable clock is for business time).
    nowMs: Date.now(),
    maxSkewSeconds: app.config.WECHATPAY_NOTIFY_MAX_SKEW_S,
  });
  if (!check.ok) {
    await writePaymentAudit(app.db, {
      action: 'payment.notify_rejected',
      subject: null,
      detail: { problem: check.problem, serial: input.headers.serial?.slice(0, 64) ?? null },
      success: false,
      meta: input.meta,
    });
    return { status: 401, body: FAIL, outcome: 'unauthenticated' };
  }

  let envelope: z.infer<typeof NotificationEnvelopeSchema>;
  try {
    envelope = NotificationEnvelopeSchema.parse(JSON.parse(input.rawBody));
  } catch {
    await writePaymentAudit(app.db, {
      action: 'payment.notify_rejected',
      subject: null,
      detail: { problem: 'bad_body', serial: input.headers.serial ?? null },
      success: false,
      meta: input.meta,
    });
    return { status: 400, body: FAIL, outcome: 'bad_request' };
  }

  // One row per notification id; a repeated delivery counts up and keeps the latest outcome.
  const record = async (db: DbOrTx, values: { outcome: string; error?: string | null; outTradeNo?: string | null; outRefundNo?: string | null }) => {
    await db
      .insert(paymentNotifications)
      .values({
        id: envelope.id,
        eventType: envelope.event_type,
        serial: input.headers.serial ?? null,
        verified: true,
        outcome: values.outcome,
        outTradeNo: values.outTradeNo ?? null,
        outRefundNo: values.outRefundNo ?? null,
        rawResource: envelope.resource,
        error: values.error ?? null,
      })
      .onConflictDoUpdate({
        target: paymentNotifications.id,
        set: { deliveries: sql`${paymentNotifications.deliveries} + 1`, outcome: values.outcome, error: values.error ?? null },
      });
  };

  let decrypted: unknown;
  try {
    decrypted = decryptNotificationResource(envelope.resource, rt.keys.apiV3Key);
  } catch {
    await record(app.db, { outcome: 'rejected', error: 'decrypt_failed: the resource does not decrypt with the APIv3 key (tampered or wrong key)' });
    await writePaymentAudit(app.db, {
      action: 'payment.notified',
      subject: { type: 'payment_notification', id: envelope.id },
      detail: { eventType: envelope.event_type, outcome: 'rejected', problem: 'decrypt_failed', keyKind: check.keyKind },
      success: false,
      meta: input.meta,
    });
    return { status: 400, body: FAIL, outcome: 'rejected' };
  }

  const isRefund = envelope.event_type.startsWith('REFUND.');
  const isTransaction = envelope.event_type.startsWith('TRANSACTION.');
  const parsedTransaction = isTransaction ? TransactionSchema.safeParse(decrypted) : null;
  const parsedRefund = isRefund ? RefundSchema.safeParse(decrypted) : null;
  if ((parsedTransaction && !parsedTransaction.success) || (parsedRefund && !parsedRefund.success)) {
    await record(app.db, { outcome: 'rejected', error: 'resource does not have the documented shape' });
    return { status: 400, body: FAIL, outcome: 'rejected' };
  }

  const outcome = await app.db.transaction(async (tx) => {
    // Repeated deliveries serialise on the order's row lock (applyTransaction) and then on the notification id.
    const now = new Date(nowMs);
    let result: { outcome: ApplyOutcome; error?: string };
    let outTradeNo: string | null = null;
    let outRefundNo: string | null = null;
    if (parsedTransaction?.success) {
      const transaction = parsedTransaction.data as WechatPayTransaction;
      outTradeNo = transaction.out_trade_no;
      result = await applyTransaction(
        tx,
        { mchid: rt.keys.mchid, appid: app.config.WECHAT_MP_APPID },
        transaction,
        { kind: 'notification', notificationId: envelope.id },
        now,
      );
    } else if (parsedRefund?.success) {
      outRefundNo = parsedRefund.data.out_refund_no;
      outTradeNo = parsedRefund.data.out_trade_no ?? null;
      const mchid = (parsedRefund.data as { mchid?: unknown }).mchid;
      result =
        mchid !== undefined && mchid !== rt.keys.mchid
          ? { outcome: 'rejected', error: `mchid ${String(mchid)} is not ours` }
          : await applyRefund(tx, { ...parsedRefund.data, status: parsedRefund.data.refund_status }, `notification:${envelope.id}`);
    } else {
      result = { outcome: 'ignored' };
    }
    await record(tx, { outcome: result.outcome, error: result.error ?? null, outTradeNo, outRefundNo });
    await writePaymentAudit(tx, {
      action: 'payment.notified',
      subject: { type: 'payment_notification', id: envelope.id },
      detail: { eventType: envelope.event_type, outcome: result.outcome, outTradeNo, outRefundNo, keyKind: check.keyKind, error: result.error ?? null },
      success: STATUS_OF_OUTCOME[result.outcome] < 300,
      meta: input.meta,
    });
    return result.outcome;
  });
  const status = STATUS_OF_OUTCOME[outcome];
  return status < 300 ? { status, outcome } : { status, body: FAIL, outcome };
}
