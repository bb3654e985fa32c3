import {
  BindPhoneRequestSchema,
  CommCardProductsSchema,
  CommCardViewSchema,
  CreateOrderRequestSchema,
  CreateOrderResponseSchema,
} from '../../../../domain/api/comm-card';
import { StudentIdParamsSchema } from '../../../../domain/api/profiles';
import { bindPhone, createOrder, getCommCard, listProducts, unbindCard } from '../../../services/comm-card/comm-card';
import { defineRoute } from '../../route';
import { noStore, requestMeta } from '../auth/request-meta';

const FAMILY = { roles: ['parent', 'student'] } as const;

export const getCommCardProducts = defineRoute({
  method: 'get',
  path: '/api/comm-card/products',
  operationId: 'listCommCardProducts',
  summary: 'Companion communication-card products (price in fen)',
  tags: ['comm-card'],
  access: 'public',
  responses: { 200: { description: 'Products', schema: CommCardProductsSchema } },
  handler: ({ koa, app }) => {
    koa.body = { products: listProducts(app) };
  },
});

export const getStudentCommCard = defineRoute({
  method: 'get',
  path: '/api/students/:studentId/comm-card',
  operationId: 'getStudentCommCard',
  summary: "A student's communication card: the bound number (masked) and the orders with their status",
  tags: ['comm-card'],
  access: FAMILY,
  params: StudentIdParamsSchema,
  responses: {
    200: { description: 'Binding and orders', schema: CommCardViewSchema },
    404: { description: 'NOT_FOUND: not a student of this account' },
  },
  handler: async ({ koa, app, auth, input }) => {
    const view = await getCommCard(app, auth!.account.id, input.params.studentId);
    noStore(koa);
    koa.body = view;
  },
});

export const postBindPhone = defineRoute({
  method: 'post',
  path: '/api/students/:studentId/comm-card/bind',
  operationId: 'bindCommCardPhone',
  summary: 'Bind a communication card the family holds (its printed number and its mobile number, proven by an SMS code of purpose bind_phone)',
  tags: ['comm-card'],
  access: FAMILY,
  params: StudentIdParamsSchema,
  body: BindPhoneRequestSchema,
  responses: {
    200: { description: 'Bound (phone masked)', schema: CommCardViewSchema },
    400: { description: 'VALIDATION_FAILED (card number, phone or code malformed) or SMS_CODE_INVALID' },
    404: { description: 'NOT_FOUND' },
    409: { description: 'ECARD_NOT_ISSUED, ECARD_REVOKED, or CONFLICT: the card is bound to another student' },
  },
  handler: async ({ koa, app, auth, input }) => {
    const view = await bindPhone(app, auth!.account, { studentId: input.params.studentId, ...input.body }, requestMeta(koa));
    noStore(koa);
    koa.body = view;
  },
});

export const deleteCommCardBinding = defineRoute({
  method: 'delete',
  path: '/api/students/:studentId/comm-card/binding',
  operationId: 'unbindCommCard',
  summary: "Unbind the student's communication card (audited); nothing bound is not an error",
  tags: ['comm-card'],
  access: FAMILY,
  params: StudentIdParamsSchema,
  responses: {
    200: { description: 'Unbound', schema: CommCardViewSchema },
    404: { description: 'NOT_FOUND' },
  },
  handler: async ({ koa, app, auth, input }) => {
    const view = await unbindCard(app, auth!.account, input.params.studentId, requestMeta(koa));
    noStore(koa);
    koa.body = view;
  },
});

export const postCommCardOrder = defineRoute({
  method: 'post',
  path: '/api/students/:studentId/comm-card/orders',
  operationId: 'createCommCardOrder',
  summary: 'Order a companion card: the order (server-side out_trade_no and price) and wx.requestPayment parameters',
  tags: ['comm-card', 'payments'],
  access: FAMILY,
  params: StudentIdParamsSchema,
  body: CreateOrderRequestSchema,
  responses: {
    201: { description: 'Order created (or the open one reused) with the payment parameters', schema: CreateOrderResponseSchema },
    400: { description: 'PRODUCT_NOT_FOUND or WECHAT_NOT_BOUND (open the mini-program / bind WeChat)' },
    404: { description: 'NOT_FOUND' },
    409: { description: 'ORDER_ALREADY_PAID, ECARD_NOT_ISSUED or ECARD_REVOKED' },
    503: { description: 'PAYMENT_UNAVAILABLE' },
  },
  handler: async ({ koa, app, auth, input }) => {
    const result = await createOrder(app, auth!.account, { studentId: input.params.studentId, productId: input.body.productId }, requestMeta(koa));
    noStore(koa);
    koa.status = 201;
    koa.body = result;
  },
});
