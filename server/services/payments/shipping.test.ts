/**
 * Shipping a communication card: the operator marks a paid order shipped, the
 * outbox carries the upload, and the upload to WeChat's 发货信息管理 (the fake,
 * which checks the documented fields) happens once — a re-delivered job, a
 * lost answer (WeChat already has it: 10060002) and WeChat's system errors
 * (retried) never send it twice; a refusal is recorded on the order.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import request from 'supertest';
import { rowsOf } from '../../db/client';
import { orders, outbox } from '../../db/schema';
import { createApp } from '../../http/app';
import { createHarness, type Harness } from '../../http/routes/auth/auth-test-support';
import { WechatApiError } from '../../integrations/wechat/wechat-client';
import { createSession } from '../accounts/sessions';
import { buildAccount, buildSubmittedVersion } from '../../test/factories';
import { chinaTime, uploadOrderShipping } from './shipping';

jest.setTimeout(60_000);

let h: Harness;
let token: string;
const PATH = '/wxa/sec/order/upload_shipping_info';

beforeAll(async () => {
  h = await createHarness();
  const operator = await buildAccount(h.ctx.db, { role: 'operator' });
  token = (await createSession(h.ctx.db, h.ctx, { accountId: operator.id, channel: 'console', meta: { ip: '127.0.0.1', requestId: 't', userAgent: null } })).token;
});

afterAll(async () => {
  await h?.close();
});

async function paidOrder(status: 'paid' | 'created' = 'paid') {
  const built = await buildSubmittedVersion(h.ctx, { withOutbox: false });
  const [row] = await h.ctx.db
    .insert(orders)
    .values({
      outTradeNo: `EC20261203${randomBytes(8).toString('hex').toUpperCase()}`,
      studentId: built.student.id,
      accountId: built.family.id,
      productId: 'comm-card-basic',
      description: '教育卡通讯卡（含 12 个月通话）',
      amountFen: 2900,
      status,
      payerOpenid: `o_${randomUUID().slice(0, 8)}`,
      transactionId: status === 'paid' ? `4200${randomBytes(10).toString('hex')}` : null,
      timeExpire: new Date(Date.now() + 3600_000),
      paidAt: status === 'paid' ? new Date() : null,
    })
    .returning();
  return row!;
}

const ship = (outTradeNo: string, body: object = { carrier: 'SF', trackingNo: 'SF1234567890' }) =>
  request(createApp(h.ctx).callback()).post(`/api/console/orders/${outTradeNo}/shipping`).set('Authorization', `Bearer ${token}`).send(body);

const uploadsOf = (transactionId: string) => h.fakeWechat.calls({ path: PATH }).filter((c) => JSON.stringify(c.body).includes(transactionId));

test('When the operator marks a paid order shipped, then one outbox row carries the upload and the fake WeChat receives the documented fields once', async () => {
  const order = await paidOrder();
  const res = await ship(order.outTradeNo);
  expect(res.status).toBe(200);
  expect(res.body.order).toMatchObject({ shippingCarrier: 'SF', shippingTrackingNo: 'SF1234567890', shippedAt: expect.any(String), shippingUploadedAt: null });
  const rows = await h.ctx.db.select().from(outbox).where(and(eq(outbox.job, 'wechat-shipping'), sql`${outbox.payload}->>'orderId' = ${order.id}`));
  expect(rows).toHaveLength(1);

  expect(await uploadOrderShipping(h.ctx, order.id)).toBe('uploaded');
  const [call] = uploadsOf(order.transactionId!);
  expect(call).toMatchObject({ errcode: 0 });
  expect(call!.body).toMatchObject({
    order_key: { order_number_type: 2, transaction_id: order.transactionId },
    logistics_type: 1,
    delivery_mode: 1,
    shipping_list: [{ tracking_no: 'SF1234567890', express_company: 'SF', item_desc: '教育卡通讯卡（含 12 个月通话）' }],
    payer: { openid: order.payerOpenid },
    upload_time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+08:00$/),
  });
  // A re-delivered job sends nothing.
  expect(await uploadOrderShipping(h.ctx, order.id)).toBe('already_uploaded');
  expect(uploadsOf(order.transactionId!)).toHaveLength(1);
  const [after] = await h.ctx.db.select().from(orders).where(eq(orders.id, order.id));
  expect(after!.shippingUploadedAt).not.toBeNull();
  // Shipped once only.
  expect((await ship(order.outTradeNo)).body.error.code).toBe('ORDER_NOT_SHIPPABLE');
});

test('When WeChat is busy, then the job throws to be retried, and the retry uploads; when the answer was lost, 10060002 counts as uploaded', async () => {
  const order = await paidOrder();
  await ship(order.outTradeNo);
  h.fakeWechat.inject({ path: PATH, errcode: -1, errmsg: 'system error', times: 1 });
  await expect(uploadOrderShipping(h.ctx, order.id)).rejects.toBeInstanceOf(WechatApiError);
  expect(await uploadOrderShipping(h.ctx, order.id)).toBe('uploaded');

  const lost = await paidOrder();
  await ship(lost.outTradeNo, { carrier: 'YTO', trackingNo: 'YT9988776655' });
  // WeChat has it already (an earlier attempt's answer never arrived).
  h.fakeWechat.inject({ path: PATH, errcode: 10060002, errmsg: '支付单已完成发货，无法继续发货', times: 1 });
  expect(await uploadOrderShipping(h.ctx, lost.id)).toBe('uploaded');
  const [row] = await h.ctx.db.select().from(orders).where(eq(orders.id, lost.id));
  expect(row).toMatchObject({ shippingUploadError: null });
  expect(row!.shippingUploadedAt).not.toBeNull();
});

test('When WeChat refuses the data, then the refusal is recorded on the order and not retried', async () => {
  const order = await paidOrder();
  await ship(order.outTradeNo);
  h.fakeWechat.inject({ path: PATH, errcode: 10060014, errmsg: 'invalid parameter', times: 1 });
  expect(await uploadOrderShipping(h.ctx, order.id)).toBe('refused');
  const [row] = await h.ctx.db.select().from(orders).where(eq(orders.id, order.id));
  expect(row).toMatchObject({ shippingUploadedAt: null, shippingUploadError: '10060014 invalid parameter' });
});

test('When the order is unpaid or the tracking number is malformed, then the operator is told and nothing is written', async () => {
  const unpaid = await paidOrder('created');
  expect((await ship(unpaid.outTradeNo)).status).toBe(409);
  const paid = await paidOrder();
  const bad = await ship(paid.outTradeNo, { carrier: 'SF', trackingNo: '单号' });
  expect(bad.status).toBe(400);
  expect(bad.body.error.fields).toEqual({ 'body.trackingNo': '快递单号应为 6–40 位字母或数字' });
  const rows = rowsOf(await h.ctx.db.execute(sql`select 1 from outbox where job = 'wechat-shipping' and payload->>'orderId' in (${unpaid.id}, ${paid.id})`));
  expect(rows).toHaveLength(0);
});

test('chinaTime writes the instant in RFC 3339 with the China offset', () => {
  expect(chinaTime(new Date('2026-12-03T13:00:00.000Z'))).toBe('2026-12-03T21:00:00.000+08:00');
});

test('The fake WeChat checks the documented fields of upload_shipping_info', async () => {
  const base = { transactionId: `4200${randomBytes(10).toString('hex')}`, payerOpenid: 'o_x', expressCompany: 'SF', trackingNo: 'SF123456', itemDesc: '通讯卡', uploadTime: chinaTime(new Date()) };
  await expect(h.ctx.wechat.uploadShippingInfo({ ...base, itemDesc: '' })).rejects.toMatchObject({ errcode: 10060008 });
  await expect(h.ctx.wechat.uploadShippingInfo({ ...base, itemDesc: '卡'.repeat(121) })).rejects.toMatchObject({ errcode: 10060009 });
  await expect(h.ctx.wechat.uploadShippingInfo({ ...base, uploadTime: '2026-12-03 21:00' })).rejects.toMatchObject({ errcode: 10060014 });
  await expect(h.ctx.wechat.uploadShippingInfo({ ...base, trackingNo: '' })).rejects.toMatchObject({ errcode: 10060014 });
  await expect(h.ctx.wechat.uploadShippingInfo({ ...base, payerOpenid: '' })).rejects.toMatchObject({ errcode: 10060014 });
  await h.ctx.wechat.uploadShippingInfo(base);
  await expect(h.ctx.wechat.uploadShippingInfo(base)).rejects.toMatchObject({ errcode: 10060002 });
});
