/**
 * Shipping a communication card: an operator marks a paid order shipped
 * (carrier + tracking number); WeChat requires goods paid in a mini-program to
 * be reported to 发货信息管理 (wxa/sec/order/upload_shipping_info), so the same
 * transaction writes a `wechat-shipping` outbox row and the worker uploads it.
 *
 * Never sent twice: the upload is recorded (orders.shipping_uploaded_at) and a
 * re-delivered job for an uploaded order does nothing; when WeChat already has
 * it (an earlier attempt whose answer was lost, errcode 10060002) that counts
 * as uploaded. WeChat's system errors and network failures are retried by the
 * queue; an answer refusing the data is recorded on the order for an operator
 * (shipping_upload_error) and not retried.
 */
import { and, eq, isNull } from 'drizzle-orm';
import type { ExpressCompany } from '../../../domain/api/console-operator';
import { AppError } from '../../../domain/errors';
import type { AppContext } from '../../context';
import { orders } from '../../db/schema';
import { WechatApiError } from '../../integrations/wechat/wechat-client';
import { writeOutbox } from '../../outbox/outbox';
import type { RequestMeta } from '../accounts/request-meta';
import type { ConsoleActor } from '../console/console-schools';
import { writeSupportAudit } from '../console/support';


/** errcodes meaning "try again later" (system busy / system errors of the shipping API). */
const RETRYABLE = new Set([-1, 10060012, 10060019]);
/** The order is already shipped at WeChat: what an earlier, unanswered attempt did. */
const ALREADY_SHIPPED = 10060002;

/** 2026-12-03T21:00:00.000+08:00 */
export function chinaTime(at: Date): string {
  return `${new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 23)}+08:00`;
}

/** POST /api/console/orders/:outTradeNo/shipping */
export async function markOrderShipped(app: AppContext, actor: ConsoleActor, outTradeNo: string, input: { carrier: ExpressCompany; trackingNo: string }, meta: RequestMeta) {
  if (actor.role !== 'operator') throw new AppError('FORBIDDEN');
  return app.db.transaction(async (tx) => {
    const [order] = await tx.select().from(orders).where(eq(orders.outTradeNo, outTradeNo)).for('update');
    if (!order) throw new AppError('ORDER_NOT_FOUND');
    if (order.status !== 'paid' || order.shippedAt || !order.transactionId) throw new AppError('ORDER_NOT_SHIPPABLE');
    const [updated] = await tx
      .update(orders)
      .set({ shippedAt: new Date(), shippingCarrier: input.carrier, shippingTrackingNo: input.trackingNo, shippingUploadError: null, updatedAt: new Date() })
      .where(eq(orders.id, order.id))
      .returning();
    await writeOutbox(tx, 'wechat-shipping', { orderId: order.id });
    await writeSupportAudit(tx, actor, meta, { action: 'console.order_shipped', subject: { type: 'order', id: outTradeNo }, detail: { carrier: input.carrier, trackingNo: input.trackingNo } });
    return updated!;
  });
}

export type ShippingUploadOutcome = 'uploaded' | 'already_uploaded' | 'not_shipped' | 'refused';

/** The wechat-shipping job: upload one order's shipping once. Throws (to be retried) on WeChat's system errors and outages. */
export async function uploadOrderShipping(ctx: Pick<AppContext, 'db' | 'wechat' | 'logger'>, orderId: string): Promise<ShippingUploadOutcome> {
  const [order] = await ctx.db.select().from(orders).where(eq(orders.id, orderId));
  if (!order || !order.shippedAt || !order.shippingCarrier || !order.shippingTrackingNo || !order.transactionId) return 'not_shipped';
  if (order.shippingUploadedAt) return 'already_uploaded';
  const done = (error: string | null) =>
    ctx.db
      .update(orders)
      .set(error === null ? { shippingUploadedAt: new Date(), shippingUploadError: null, updatedAt: new Date() } : { shippingUploadError: error, updatedAt: new Date() })
      .where(and(eq(orders.id, order.id), isNull(orders.shippingUploadedAt)));
  try {
    await ctx.wechat.uploadShippingInfo({
      transactionId: order.transactionId,
      payerOpenid: order.payerOpenid,
      expressCompany: order.shippingCarrier,
      trackingNo: order.shippingTrackingNo,
      itemDesc: order.description.slice(0, 120),
      uploadTime: chinaTime(new Date()),
    });
  } catch (err) {
    if (err instanceof WechatApiError && err.errcode === ALREADY_SHIPPED) {
      await done(null);
      return 'uploaded';
    }
    if (err instanceof WechatApiError && !RETRYABLE.has(err.errcode)) {
      await done(`${err.errcode} ${err.errmsg}`.slice(0, 200));
      ctx.logger.warn({ orderId: order.id, errcode: err.errcode }, 'shipping upload refused by WeChat');
      return 'refused';
    }
    throw err;
  }
  await done(null);
  return 'uploaded';
}
