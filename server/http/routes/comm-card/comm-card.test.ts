import { createPublicKey, randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { Formatter, Rsa } from 'wechatpay-axios-plugin';
import { runRefundOrder } from '../../../../tools/refund-order';
import { auditLog, orders, paymentNotifications, refunds } from '../../../db/schema';
import { reconcilePayments } from '../../../services/payments/reconcile';
import { createPaymentHarness, TEST_MP_APPID, type PaymentHarness } from './payment-test-support';
import { smsQuotaKey } from '../../../services/accounts/sms-codes';

jest.setTimeout(30_000);

const PRODUCT = 'comm-card-basic';

describe.each(['public_key', 'certificate'] as const)('communication card and WeChat Pay (verification by %s)', (mode) => {
  let h: PaymentHarness;
  beforeAll(async () => {
    h = await createPaymentHarness({ mode });
  });
  afterAll(async () => {
    await h?.close();
  });

  async function orderFor() {
    const parent = await h.account('parent');
    const holder = await h.cardHolder(parent.id);
    const res = await h.api.post(`/api/students/${holder.student.id}/comm-card/orders`, { productId: PRODUCT }, parent.token);
    expect(res.status).toBe(201);
    return { parent, holder, order: res.body.order, payment: res.body.payment, outTradeNo: res.body.order.outTradeNo as string };
  }

  async function orderRow(outTradeNo: string) {
    const [row] = await h.ctx.db.select().from(orders).where(eq(orders.outTradeNo, outTradeNo));
    return row!;
  }

  async function auditFor(outTradeNo: string, action: string): Promise<number> {
    const row = await orderRow(outTradeNo);
    return h.auditCount(action, row.id);
  }

  it('lists the products with prices from configuration', async () => {
    const res = await h.api.get('/api/comm-card/products');
    expect(res.body.products[0]).toMatchObject({ id: PRODUCT, priceFen: 2900, priceText: '29.00' });
  });

  it('When a family orders, Then the order has a server out_trade_no and price, a prepay at WeChat Pay, and a paySign the merchant public key verifies', async () => {
    const { order, payment, outTradeNo } = await orderFor();
    expect(outTradeNo).toMatch(/^EC\d{8}[A-Z2-7]{16}$/);
    expect(order).toMatchObject({ status: 'paying', amountFen: 2900, amountText: '29.00', statusLabel: '待支付' });
    expect(Date.parse(order.timeExpire) - Date.parse(order.createdAt)).toBe(30 * 60_000);
    const atFake = h.fake.order(outTradeNo)!;
    expect(atFake).toMatchObject({ appid: TEST_MP_APPID, amount: { total: 2900, currency: 'CNY' }, notify_url: h.notifyUrl });
    expect(atFake.time_expire).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
    expect(payment).toMatchObject({ package: `prepay_id=${atFake.prepay_id}`, signType: 'RSA' });
    const message = Formatter.joinedByLineFeed(TEST_MP_APPID, payment.timeStamp, payment.nonceStr, payment.package);
    expect(Rsa.verify(message, payment.paySign, createPublicKey(h.merchantPublicKeyPem))).toBe(true);
    // Every call reached the fake with a merchant signature it verified.
    expect(h.fake.calls().filter((c) => c.authError)).toEqual([]);
  });

  it('When the client sends an amount or no WeChat openid, Then the amount is ignored (strict body: 400) and WECHAT_NOT_BOUND', async () => {
    const parent = await h.account('parent');
    const holder = await h.cardHolder(parent.id);
    const withAmount = await h.api.post(`/api/students/${holder.student.id}/comm-card/orders`, { productId: PRODUCT, amountFen: 1 }, parent.token);
    expect(withAmount.status).toBe(400);
    const noWechat = await h.account('parent', { openid: null });
    const holder2 = await h.cardHolder(noWechat.id);
    const res = await h.api.post(`/api/students/${holder2.student.id}/comm-card/orders`, { productId: PRODUCT }, noWechat.token);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('WECHAT_NOT_BOUND');
    const noCard = await h.cardHolder(parent.id, { card: false });
    expect((await h.api.post(`/api/students/${noCard.student.id}/comm-card/orders`, { productId: PRODUCT }, parent.token)).body.error.code).toBe('ECARD_NOT_ISSUED');
    expect((await h.api.post(`/api/students/${holder.student.id}/comm-card/orders`, { productId: 'nope' }, parent.token)).body.error.code).toBe('PRODUCT_NOT_FOUND');
  });

  it('When the payer pays and WeChat Pay notifies, Then the order is paid and the family sees it', async () => {
    const { parent, holder, outTradeNo } = await orderFor();
    h.fake.pay(outTradeNo);
    const [delivery] = await h.fake.notify(outTradeNo);
    expect(delivery).toEqual({ status: 204, body: '' });
    expect(await orderRow(outTradeNo)).toMatchObject({ status: 'paid' });
    const view = await h.api.get(`/api/students/${holder.student.id}/comm-card`, parent.token);
    expect(view.body.orders[0]).toMatchObject({ outTradeNo, status: 'paid', statusLabel: '已支付' });
    expect(view.body.orders[0].paidAt).toBeTruthy();
    // Ordering again is refused: the card is bought.
    expect((await h.api.post(`/api/students/${holder.student.id}/comm-card/orders`, { productId: PRODUCT }, parent.token)).body.error.code).toBe('ORDER_ALREADY_PAID');
  });

  it('When the same notification arrives 3 times while a reconcile query races it, Then the order is paid exactly once', async () => {
    const { outTradeNo } = await orderFor();
    h.fake.pay(outTradeNo);
    h.advance(6 * 60_000); // old enough for the reconciler
    const built = h.fake.buildNotification(outTradeNo);
    const deliver = () => h.api.notify(built);
    const [a, b, c, report] = await Promise.all([deliver(), deliver(), deliver(), reconcilePayments(h.ctx)]);
    expect([a.status, b.status, c.status]).toEqual([204, 204, 204]);
    expect(report.errors).toBe(0);
    expect(await orderRow(outTradeNo)).toMatchObject({ status: 'paid' });
    expect(await auditFor(outTradeNo, 'payment.paid')).toBe(1);
    const [note] = await h.ctx.db.select().from(paymentNotifications).where(eq(paymentNotifications.id, built.id));
    expect(note).toMatchObject({ deliveries: 3, verified: true });
    expect(JSON.stringify(note!.rawResource)).not.toContain('openid');
    const notified = await h.ctx.db.select({ n: sql<number>`count(*)::int` }).from(auditLog).where(sql`${auditLog.action} = 'payment.notified' and ${auditLog.subjectId} = ${built.id}`);
    expect(notified[0]!.n).toBe(3);
  });

  it('When the signature is forged, Then 401 with the FAIL body and nothing changes', async () => {
    const { outTradeNo } = await orderFor();
    h.fake.pay(outTradeNo);
    const [forged] = await h.fake.notify(outTradeNo, { forge: true });
    expect(forged!.status).toBe(401);
    expect(JSON.parse(forged!.body)).toEqual({ code: 'FAIL', message: '失败' });
    const [unknownSerial] = await h.fake.notify(outTradeNo, { serial: 'PUB_KEY_ID_0000000000000000000000000000' });
    expect(unknownSerial!.status).toBe(401);
    expect(await orderRow(outTradeNo)).toMatchObject({ status: 'paying' });
    expect(await h.ctx.db.select().from(paymentNotifications).where(eq(paymentNotifications.outTradeNo, outTradeNo))).toEqual([]);
  });

  it('When the body was re-serialised (whitespace changed), Then the raw-body signature fails: 401', async () => {
    const { outTradeNo } = await orderFor();
    h.fake.pay(outTradeNo);
    const built = h.fake.buildNotification(outTradeNo);
    const res = await h.api.notify({ headers: built.headers, body: JSON.stringify(JSON.parse(built.body), null, 1) });
    expect(res.status).toBe(401);
  });

  it('When the ciphertext was tampered (signature still valid), Then 400 rejected and recorded, not paid', async () => {
    const { outTradeNo } = await orderFor();
    h.fake.pay(outTradeNo);
    const built = h.fake.buildNotification(outTradeNo, { tamperCiphertext: true });
    const res = await h.api.notify(built);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ code: 'FAIL', message: '失败' });
    const [note] = await h.ctx.db.select().from(paymentNotifications).where(eq(paymentNotifications.id, built.id));
    expect(note).toMatchObject({ outcome: 'rejected' });
    expect(await orderRow(outTradeNo)).toMatchObject({ status: 'paying' });
  });

  it('When the timestamp is stale (a replay) or too far in the future, Then rejected and not paid', async () => {
    const { outTradeNo } = await orderFor();
    h.fake.pay(outTradeNo);
    const [stale] = await h.fake.notify(outTradeNo, { staleSeconds: 6 * 60 });
    expect(stale!.status).toBe(401);
    const [future] = await h.fake.notify(outTradeNo, { staleSeconds: -6 * 60 });
    expect(future!.status).toBe(401);
    expect(await orderRow(outTradeNo)).toMatchObject({ status: 'paying' });
  });

  it('When the notified amount differs, Then the order is flagged for an operator, never paid', async () => {
    const { outTradeNo } = await orderFor();
    h.fake.pay(outTradeNo, { amountFen: 1 });
    const [res] = await h.fake.notify(outTradeNo);
    expect(res!.status).toBe(204);
    const row = await orderRow(outTradeNo);
    expect(row).toMatchObject({ status: 'flagged', paidAt: null });
    expect(row.flaggedReason).toMatch(/amount_mismatch/);
    expect(await auditFor(outTradeNo, 'payment.paid')).toBe(0);
    expect(await auditFor(outTradeNo, 'payment.flagged')).toBe(1);
  });

  it('When the order is unknown, Then the notification is recorded and rejected (404)', async () => {
    const unknown = `EC20990101${randomBytes(8).toString('hex').toUpperCase()}`;
    const [res] = await h.fake.notify(unknown, { url: h.notifyUrl, transaction: { amount: { total: 2900, currency: 'CNY' } } });
    expect(res!.status).toBe(404);
    expect(JSON.parse(res!.body)).toEqual({ code: 'FAIL', message: '失败' });
    const rows = await h.ctx.db.select().from(paymentNotifications).where(eq(paymentNotifications.outTradeNo, unknown));
    expect(rows.map((r) => r.outcome)).toEqual(['unknown_order']);
  });

  it('When nobody pays before time_expire, Then the reconciler closes the order at WeChat Pay and here', async () => {
    const { outTradeNo } = await orderFor();
    h.advance(10 * 60_000);
    await reconcilePayments(h.ctx);
    expect(await orderRow(outTradeNo)).toMatchObject({ status: 'paying' });
    h.advance(21 * 60_000);
    const report = await reconcilePayments(h.ctx);
    expect(report.errors).toBe(0);
    expect(await orderRow(outTradeNo)).toMatchObject({ status: 'closed' });
    expect(h.fake.order(outTradeNo)!.trade_state).toBe('CLOSED');
    // A SUCCESS arriving after the close (out of order) is flagged for an operator, not paid.
    const built = h.fake.buildNotification(outTradeNo);
    const late = await h.api.notify(built);
    expect(late.status).toBe(204);
    expect(await orderRow(outTradeNo)).toMatchObject({ status: 'flagged', flaggedReason: expect.stringMatching(/paid_after_close/) });
  });

  it('When no notification comes, Then the reconciler query marks the order paid', async () => {
    const { outTradeNo } = await orderFor();
    h.fake.pay(outTradeNo);
    h.advance(6 * 60_000);
    const report = await reconcilePayments(h.ctx);
    expect(report.paid).toBeGreaterThanOrEqual(1);
    expect(await orderRow(outTradeNo)).toMatchObject({ status: 'paid' });
  });

  it('When an operator refunds twice, Then one refund is made; the refund notification finishes it', async () => {
    const { outTradeNo } = await orderFor();
    h.fake.pay(outTradeNo);
    await h.fake.notify(outTradeNo);
    const lines: string[] = [];
    expect(await runRefundOrder(h.ctx, [outTradeNo, '--reason', '家长申请退款', '--by', 'ops1'], (l) => lines.push(l), (l) => lines.push(l))).toBe(0);
    expect(await runRefundOrder(h.ctx, [outTradeNo], (l) => lines.push(l), (l) => lines.push(l))).toBe(0);
    expect(lines[1]).toContain('未重复发起');
    const order = await orderRow(outTradeNo);
    const rows = await h.ctx.db.select().from(refunds).where(eq(refunds.orderId, order.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outRefundNo: `${outTradeNo}R1`, status: 'processing', amountFen: 2900 });
    expect(h.fake.refunds().filter((r) => r.out_trade_no === outTradeNo)).toHaveLength(1);
    expect(order.status).toBe('refunding');

    h.fake.completeRefund(`${outTradeNo}R1`);
    const [res] = await h.fake.notifyRefund(`${outTradeNo}R1`);
    expect(res!.status).toBe(204);
    expect(await orderRow(outTradeNo)).toMatchObject({ status: 'refunded' });
    const [done] = await h.ctx.db.select().from(refunds).where(eq(refunds.orderId, order.id));
    expect(done).toMatchObject({ status: 'success' });
    expect(await runRefundOrder(h.ctx, ['EC20990101NOSUCHORDER00000'], () => undefined, () => undefined)).toBe(1);
  });

  it('When a family binds a card it already holds, Then the card number is required, a wrong code is refused, its code binds it, masked', async () => {
    const parent = await h.account('parent');
    const holder = await h.cardHolder(parent.id);
    const phone = `139${String(Date.now()).slice(-8)}`;
    const cardNumber = `898601${String(Date.now()).slice(-13)}`;
    const path = `/api/students/${holder.student.id}/comm-card/bind`;
    const noCard = await h.api.post(path, { phone, smsCode: '123456' }, parent.token);
    expect(noCard.status).toBe(400);
    expect(noCard.body.error.fields['body.cardNumber']).toBe('请填写通讯卡卡号');
    const badCard = await h.api.post(path, { cardNumber: '1234', phone, smsCode: '123456' }, parent.token);
    expect(badCard.body.error.fields['body.cardNumber']).toBe('请填写通讯卡背面印制的 19–20 位卡号（以 8986 开头）');
    const noCode = await h.api.post(path, { cardNumber, phone }, parent.token);
    expect(noCode.status).toBe(400);
    expect(noCode.body.error.code).toBe('VALIDATION_FAILED');
    const code = await h.smsCode(phone, 'bind_phone');
    const wrong = await h.api.post(path, { cardNumber, phone, smsCode: code === '000000' ? '111111' : '000000' }, parent.token);
    expect(wrong.body.error.code).toBe('SMS_CODE_INVALID');
    // As printed on the card, with spaces.
    const printed = cardNumber.replace(/(\d{4})/g, '$1 ').trim();
    const ok = await h.api.post(path, { cardNumber: printed, phone, smsCode: code }, parent.token);
    expect(ok.status).toBe(200);
    expect(ok.body.binding).toMatchObject({ phoneMasked: `${phone.slice(0, 3)}****${phone.slice(-4)}`, cardNumberMasked: `8986 **** **** ***${cardNumber.slice(-4)}` });
    expect(JSON.stringify(ok.body)).not.toContain(phone);
    expect(JSON.stringify(ok.body)).not.toContain(cardNumber);
    const other = await h.account('parent');
    expect((await h.api.post(path, { cardNumber, phone, smsCode: code }, other.token)).status).toBe(404);
  });

  it('When a card bound to one student is bound to another, Then 409 on the card number; after unbinding it can be bound', async () => {
    const parent = await h.account('parent');
    const first = await h.cardHolder(parent.id);
    const second = await h.cardHolder(parent.id);
    const phone = `138${String(Date.now()).slice(-8)}`;
    const cardNumber = `898602${String(Date.now()).slice(-13)}`;
    const allowResend = async () => {
      for (const source of ['known', 'other'] as const) {
        await h.ctx.security.limits.smsPerPhoneMinute.delete(smsQuotaKey(h.ctx.pii.blindIndex('phone', phone), 'bind_phone', source));
      }
    };
    const bind = async (studentId: string) =>
      (await allowResend(),
      h.api.post(`/api/students/${studentId}/comm-card/bind`, { cardNumber, phone, smsCode: await h.smsCode(phone, 'bind_phone') }, parent.token));
    expect((await bind(first.student.id)).status).toBe(200);
    const taken = await bind(second.student.id);
    expect(taken.status).toBe(409);
    expect(taken.body.error.fields).toEqual({ 'body.cardNumber': '该通讯卡已绑定其他学生' });

    const unbound = await h.api.delete(`/api/students/${first.student.id}/comm-card/binding`, parent.token);
    expect(unbound.status).toBe(200);
    expect(unbound.body.binding).toBeNull();
    expect(await h.auditCount('comm_card.unbound', first.student.id)).toBe(1);
    // Unbinding twice changes nothing; another family cannot unbind.
    expect((await h.api.delete(`/api/students/${first.student.id}/comm-card/binding`, parent.token)).status).toBe(200);
    expect((await h.api.delete(`/api/students/${first.student.id}/comm-card/binding`, (await h.account('parent')).token)).status).toBe(404);
    expect((await bind(second.student.id)).status).toBe(200);
  });
});
