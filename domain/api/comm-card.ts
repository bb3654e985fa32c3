/**
 * The communication card (通讯卡) API contract, shared by the server routes and
 * the mini-program pages. Voluntary (自愿选用): a family may bind a
 * communication card it already holds (the card number printed on it, its
 * ICCID, and the card's mobile number, proven by an SMS code of purpose
 * bind_phone sent to that card), unbind it, or order a
 * companion card paid with WeChat Pay inside the mini-program (the H5 build
 * explains that payment happens in WeChat).
 *
 * Amounts are integers in fen (分); the price always comes from the server's
 * product list, never from the client.
 */
import { z } from 'zod';
import { smsCodeSchema } from './auth';
import { phoneSchema } from '../contact/phone';

export const ORDER_STATUSES = ['created', 'paying', 'paid', 'closed', 'refunding', 'refunded', 'flagged'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const ORDER_STATUS_LABELS: Readonly<Record<OrderStatus, string>> = {
  created: '待支付',
  paying: '待支付',
  paid: '已支付',
  closed: '已关闭',
  refunding: '退款中',
  refunded: '已退款',
  flagged: '处理中（人工核对）',
};

/** 2900 → '29.00' */
export function formatFen(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(fen));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

const isoInstant = z.string().describe('ISO 8601 instant (UTC)');

// GET /api/comm-card/products
export const CommCardProductSchema = z.object({
  id: z.string(),
  name: z.string(),
  priceFen: z.number().int(),
  /** e.g. 29.00 */
  priceText: z.string(),
  description: z.string(),
});
export type CommCardProduct = z.infer<typeof CommCardProductSchema>;
export const CommCardProductsSchema = z.object({ products: z.array(CommCardProductSchema) });

/**
 * The card number printed on a communication card (its ICCID): 19 or 20
 * digits, starting with 8986 for a card issued in China. Spaces as printed are
 * allowed and dropped.
 */
export const commCardNumberSchema = z
  .string({ error: '请填写通讯卡卡号' })
  .transform((v) => v.replace(/[\s-]/g, ''))
  .pipe(z.string().regex(/^8986\d{15,16}$/, '请填写通讯卡背面印制的 19–20 位卡号（以 8986 开头）'));

/** 8986 **** **** ***1234: enough for the family to recognise its card. */
export function maskCommCardNumber(iccid: string): string {
  return `${iccid.slice(0, 4)} **** **** ***${iccid.slice(-4)}`;
}

// POST /api/students/:studentId/comm-card/bind: bind a communication card the family already holds.
export const BindPhoneRequestSchema = z.strictObject({
  cardNumber: commCardNumberSchema,
  /** The card's own mobile number: the code goes to it (the card's phone or watch receives it). */
  phone: phoneSchema,
  smsCode: smsCodeSchema,
});
export type BindPhoneRequest = z.infer<typeof BindPhoneRequestSchema>;

// POST /api/students/:studentId/comm-card/orders
export const CreateOrderRequestSchema = z.strictObject({
  productId: z.string().min(1).max(32),
});
export type CreateOrderRequest = z.infer<typeof CreateOrderRequestSchema>;

export const OrderViewSchema = z.object({
  id: z.uuid(),
  outTradeNo: z.string(),
  productId: z.string(),
  description: z.string(),
  amountFen: z.number().int(),
  amountText: z.string(),
  status: z.enum(ORDER_STATUSES),
  statusLabel: z.string(),
  createdAt: isoInstant,
  timeExpire: isoInstant,
  paidAt: isoInstant.nullable(),
});
export type OrderView = z.infer<typeof OrderViewSchema>;

/** wx.requestPayment's parameters (paySign computed by the server with the merchant key). */
export const RequestPaymentSchema = z.object({
  timeStamp: z.string(),
  nonceStr: z.string(),
  package: z.string(),
  signType: z.literal('RSA'),
  paySign: z.string(),
});
export type RequestPayment = z.infer<typeof RequestPaymentSchema>;

export const CreateOrderResponseSchema = z.object({
  order: OrderViewSchema,
  /** Pass to wx.requestPayment inside the mini-program. */
  payment: RequestPaymentSchema,
});
export type CreateOrderResponse = z.infer<typeof CreateOrderResponseSchema>;

// GET /api/students/:studentId/comm-card
export const CommCardViewSchema = z.object({
  studentId: z.uuid(),
  /** cardNumberMasked is null for a binding made before cards were bound by their number. */
  binding: z.object({ cardNumberMasked: z.string().nullable(), phoneMasked: z.string(), boundAt: isoInstant }).nullable(),
  orders: z.array(OrderViewSchema),
});
export type CommCardView = z.infer<typeof CommCardViewSchema>;
