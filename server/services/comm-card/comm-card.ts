/**
 * The communication card (通讯卡), voluntary: bind an existing mobile number
 * or order a companion card paid with WeChat Pay (JSAPI, inside the
 * mini-program). Only for a student whose education card is issued and valid.
 *
 * Ordering (POST /api/students/:studentId/comm-card/orders):
 * 1. under the student's row lock: the product (price from configuration,
 *    never from the client), the payer's mini-program openid (none → 400
 *    WECHAT_NOT_BOUND), no paid order yet (409 ORDER_ALREADY_PAID); an unpaid
 *    order of the same product with more than 5 minutes left is reused (a
 *    double tap does not make two orders); else a new order `created` with a
 *    server-generated out_trade_no and time_expire = now + ORDER_EXPIRE_MINUTES;
 * 2. outside any transaction: JSAPI prepay at WeChat Pay → `paying` with the
 *    prepay_id. Refused by WeChat Pay → the order is closed here and 503
 *    PAYMENT_UNAVAILABLE; no answer → it stays `created` (the reconciler
 *    queries it after 5 minutes and closes it at expiry) and 503;
 * 3. the answer carries wx.requestPayment's parameters, paySign computed here.
 */
import { and, desc, eq, inArray, ne } from 'drizzle-orm';
import { formatFen, maskCommCardNumber, ORDER_STATUS_LABELS, type CommCardProduct, type CommCardView, type CreateOrderResponse, type OrderView } from '../../../domain/api/comm-card';
import { AppError } from '../../../domain/errors';
import { maskPhone } from '../../../domain/masking';
import type { AppContext } from '../../context';
import { accounts, commCardBindings, orders } from '../../db/schema';
import { WechatPayApiError } from '../../integrations/wechatpay/wechatpay-client';
import type { RequestMeta } from '../accounts/request-meta';
import { consumeSmsCode, smsCodeInvalid } from '../accounts/sms-codes';
import { loadOwnStudent } from '../profiles/profile-content';
import { cardStatus } from '../ecard/ecard';
import { closeOrderLocally, type OrderRow } from '../payments/order-state';
import { writePaymentAudit } from '../payments/payment-audit';
import { newOutTradeNo } from '../payments/trade-numbers';

const PHONE_CONTEXT = 'comm_card_bindings.phone';
export const CARD_NUMBER_CONTEXT = 'comm_card_bindings.card_number';
/** An unpaid order is reused only while this much of its payment window is left. */
const REUSE_MARGIN_MS = 5 * 60_000;

export function listProducts(app: Pick<AppContext, 'config'>): CommCardProduct[] {
  return app.config.COMM_CARD_PRODUCTS.map((p) => ({ id: p.id, name: p.name, priceFen: p.priceFen, priceText: formatFen(p.priceFen), description: p.description }));
}

export function presentOrder(order: OrderRow): OrderView {
  return {
    id: order.id,
    outTradeNo: order.outTradeNo,
    productId: order.productId,
    description: order.description,
    amountFen: order.amountFen,
    amountText: formatFen(order.amountFen),
    status: order.status,
    statusLabel: ORDER_STATUS_LABELS[order.status],
    createdAt: order.createdAt.toISOString(),
    timeExpire: order.timeExpire.toISOString(),
    paidAt: order.paidAt?.toISOString() ?? null,
  };
}

function assertCardValid(student: { cardNumber: string | null; cardRevokedAt: Date | null }): void {
  const status = cardStatus(student);
  if (status === 'not_issued') throw new AppError('ECARD_NOT_ISSUED');
  if (status === 'revoked') throw new AppError('ECARD_REVOKED');
}

export async function getCommCard(app: AppContext, familyAccountId: string, studentId: string): Promise<CommCardView> {
  await loadOwnStudent(app.db, familyAccountId, studentId);
  const [binding] = await app.db.select().from(commCardBindings).where(eq(commCardBindings.studentId, studentId));
  const list = await app.db.select().from(orders).where(eq(orders.studentId, studentId)).orderBy(desc(orders.createdAt)).limit(20);
  return {
    studentId,
    binding: binding
      ? {
          cardNumberMasked: binding.cardNumberCipher ? maskCommCardNumber(app.pii.decrypt(binding.cardNumberCipher, CARD_NUMBER_CONTEXT)) : null,
          phoneMasked: maskPhone(app.pii.decrypt(binding.phoneCipher, PHONE_CONTEXT)),
          boundAt: binding.boundAt.toISOString(),
        }
      : null,
    orders: list.map(presentOrder),
  };
}

/**
 * Bind a communication card the family already holds: its printed number and
 * its mobile number, proven by the SMS code sent to that number (purpose
 * bind_phone); replaces an earlier binding of the student. A card bound to
 * another student is refused (409 COMM_CARD_TAKEN) after the code was found
 * right, so the refusal tells nothing to someone without the card.
 */
export async function bindPhone(
  app: AppContext,
  actor: { id: string; role: 'parent' | 'student' | string },
  input: { studentId: string; cardNumber: string; phone: string; smsCode: string },
  meta: RequestMeta,
): Promise<CommCardView> {
  const ok = await app.db.transaction(async (tx) => {
    const student = await loadOwnStudent(tx, actor.id, input.studentId, { forUpdate: true });
    assertCardValid(student);
    // A wrong code must count as a try: the transaction commits and the error is thrown after it.
    if (!(await consumeSmsCode(tx, app, { phone: input.phone, purpose: 'bind_phone', code: input.smsCode }))) return false;
    const cardNumberIndex = app.pii.blindIndex('comm_card_number', input.cardNumber);
    const [taken] = await tx
      .select({ studentId: commCardBindings.studentId })
      .from(commCardBindings)
      .where(and(eq(commCardBindings.cardNumberIndex, cardNumberIndex), ne(commCardBindings.studentId, student.id)));
    if (taken) throw new AppError('CONFLICT', { message: '该通讯卡已绑定其他学生，请先在原学生处解绑', fields: { 'body.cardNumber': '该通讯卡已绑定其他学生' } });
    const values = {
      studentId: student.id,
      accountId: actor.id,
      phoneCipher: app.pii.encrypt(input.phone, PHONE_CONTEXT),
      phoneIndex: app.pii.blindIndex('phone', input.phone),
      cardNumberCipher: app.pii.encrypt(input.cardNumber, CARD_NUMBER_CONTEXT),
      cardNumberIndex,
      boundAt: new Date(),
    };
    await tx.insert(commCardBindings).values(values).onConflictDoUpdate({ target: commCardBindings.studentId, set: values });
    await writePaymentAudit(tx, {
      action: 'comm_card.phone_bound',
      actor: { id: actor.id, role: actor.role as 'parent' },
      subject: { type: 'student', id: student.id },
      detail: { phoneMasked: maskPhone(input.phone), cardNumberMasked: maskCommCardNumber(input.cardNumber) },
      meta,
    });
    return true;
  });
  if (!ok) throw smsCodeInvalid();
  return getCommCard(app, actor.id, input.studentId);
}

/** Unbind the student's communication card (nothing bound: nothing to do); audited. Works on a revoked card too. */
export async function unbindCard(app: AppContext, actor: { id: string; role: string }, studentId: string, meta: RequestMeta): Promise<CommCardView> {
  await app.db.transaction(async (tx) => {
    const student = await loadOwnStudent(tx, actor.id, studentId, { forUpdate: true });
    const removed = await tx.delete(commCardBindings).where(eq(commCardBindings.studentId, student.id)).returning({ studentId: commCardBindings.studentId });
    if (removed.length === 0) return;
    await writePaymentAudit(tx, { action: 'comm_card.unbound', actor: { id: actor.id, role: actor.role as 'parent' }, subject: { type: 'student', id: student.id }, meta });
  });
  return getCommCard(app, actor.id, studentId);
}

export async function createOrder(
  app: AppContext,
  actor: { id: string; role: string },
  input: { studentId: string; productId: string },
  meta: RequestMeta,
): Promise<CreateOrderResponse> {
  const rt = await app.payments.load();
  const now = new Date(rt.now());
  const appid = app.config.WECHAT_MP_APPID;

  const { order, reused } = await app.db.transaction(async (tx) => {
    const student = await loadOwnStudent(tx, actor.id, input.studentId, { forUpdate: true });
    assertCardValid(student);
    const product = rt.products.find((p) => p.id === input.productId);
    if (!product) throw new AppError('PRODUCT_NOT_FOUND', { fields: { 'body.productId': '所选通讯卡产品不存在或已下架' } });
    const [account] = await tx.select({ openid: accounts.wechatMpOpenid }).from(accounts).where(eq(accounts.id, actor.id));
    if (!account?.openid) throw new AppError('WECHAT_NOT_BOUND');

    const existing = await tx
      .select()
      .from(orders)
      .where(and(eq(orders.studentId, student.id), inArray(orders.status, ['created', 'paying', 'paid', 'refunding', 'flagged'])))
      .orderBy(desc(orders.createdAt));
    if (existing.some((o) => o.status === 'paid' || o.status === 'refunding' || (o.status === 'flagged' && o.transactionId))) {
      throw new AppError('ORDER_ALREADY_PAID');
    }
    const open = existing.find(
      (o) =>
        o.status === 'paying' &&
        o.productId === product.id &&
        o.prepayId &&
        o.payerOpenid === account.openid &&
        o.timeExpire.getTime() - now.getTime() > REUSE_MARGIN_MS,
    );
    if (open) return { order: open, reused: true };

    const [row] = await tx
      .insert(orders)
      .values({
        outTradeNo: newOutTradeNo(now),
        studentId: student.id,
        accountId: actor.id,
        productId: product.id,
        description: product.name.slice(0, 127),
        amountFen: product.priceFen,
        payerOpenid: account.openid,
        timeExpire: new Date(now.getTime() + app.config.ORDER_EXPIRE_MINUTES * 60_000),
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await writePaymentAudit(tx, {
      action: 'payment.order_created',
      actor: { id: actor.id, role: actor.role as 'parent' },
      subject: { type: 'order', id: row!.id },
      detail: { outTradeNo: row!.outTradeNo, productId: product.id, amountFen: product.priceFen, studentId: student.id },
      meta,
    });
    return { order: row!, reused: false };
  });

  if (reused) {
    return { order: presentOrder(order), payment: stripAppId(rt.gateway.requestPaymentParams(appid, order.prepayId!, now.getTime())) };
  }

  let prepayId: string;
  try {
    ({ prepayId } = await rt.gateway.jsapiPrepay({
      appid,
      description: order.description,
      outTradeNo: order.outTradeNo,
      timeExpire: order.timeExpire,
      notifyUrl: rt.notifyUrl,
      amountFen: order.amountFen,
      payerOpenid: order.payerOpenid,
    }));
  } catch (err) {
    const refused = err instanceof WechatPayApiError;
    await app.db.transaction(async (tx) => {
      await writePaymentAudit(tx, {
        action: 'payment.prepay_failed',
        actor: { id: actor.id, role: actor.role as 'parent' },
        subject: { type: 'order', id: order.id },
        detail: { outTradeNo: order.outTradeNo, error: refused ? `${err.status} ${err.code}` : 'unavailable' },
        success: false,
        meta,
      });
      if (refused) await closeOrderLocally(tx, order.outTradeNo, `prepay refused: ${err.code}`, now);
    });
    throw new AppError('PAYMENT_UNAVAILABLE', { cause: err });
  }

  const [paying] = await app.db
    .update(orders)
    .set({ status: 'paying', prepayId, updatedAt: new Date() })
    .where(and(eq(orders.id, order.id), eq(orders.status, 'created')))
    .returning();
  const current = paying ?? (await app.db.select().from(orders).where(eq(orders.id, order.id)))[0]!;
  return { order: presentOrder(current), payment: stripAppId(rt.gateway.requestPaymentParams(appid, prepayId, now.getTime())) };
}

/** wx.requestPayment takes no appId (the mini-program's own is used); it was signed in. */
function stripAppId<T extends { appId: string }>(params: T): Omit<T, 'appId'> {
  const { appId: _appId, ...rest } = params;
  void _appId;
  return rest;
}
