/**
 * The card centre's operator routes of the console (server/services/console:
 * support.ts, audit-search.ts, overview.ts): operators only (school admins
 * 403), console sessions only.
 */
import {
  AccountIdParamsSchema,
  CreateStaffRequestSchema,
  StaffAccountResponseSchema,
  StaffListQuerySchema,
  StaffListResponseSchema,
  StaffPasswordResponseSchema,
  StaffStatusRequestSchema,
  ShipOrderRequestSchema,
  ShipOrderResponseSchema,
  AuditListResponseSchema,
  AuditQuerySchema,
  DocsSessionResponseSchema,
  OutTradeNoParamsSchema,
  OverviewQuerySchema,
  OverviewResponseSchema,
  SchoolRegionRequestSchema,
  SchoolRegionResponseSchema,
  SupportActionRequestSchema,
  SupportFamilyDetailSchema,
  SupportRefundResponseSchema,
  SupportRevealRequestSchema,
  SupportRevealResponseSchema,
  SupportSearchQuerySchema,
  SupportSearchResponseSchema,
  SupportUnlockResponseSchema,
} from '../../../../domain/api/console-operator';
import { SchoolIdParamsSchema } from '../../../../domain/api/console';
import { AppError } from '../../../../domain/errors';
import { searchAuditLog } from '../../../services/console/audit-search';
import { createStaff, listStaff, resetStaffPassword, setStaffStatus } from '../../../services/console/staff-accounts';
import { provinceOverview, setSchoolRegion } from '../../../services/console/overview';
import { markOrderShipped } from '../../../services/payments/shipping';
import { presentOrder, refundOrderForSupport, revealField, supportFamily, supportSearch, unlockAccount } from '../../../services/console/support';
import { API_DOCS_PATH } from '../../middlewares/api-docs';
import { QUEUES_PATH, STAFF_PAGES_COOKIE, staffPagesCookie } from '../../middlewares/staff-pages';
import { defineRoute } from '../../route';
import { noStore, requestMeta } from '../auth/request-meta';

export const OPERATOR_ACCESS = { roles: ['operator'], console: true } as const;
const OPERATOR_ONLY = { 403: { description: 'FORBIDDEN (not an operator), CONSOLE_SESSION_REQUIRED' } };

export const getSupportSearch = defineRoute({
  method: 'get',
  path: '/api/console/support/search',
  operationId: 'consoleSupportSearch',
  summary: 'Hotline look-up: families by phone, resident ID, card number, username or order number (blind indexes; masked; audited)',
  tags: ['console'],
  access: OPERATOR_ACCESS,
  query: SupportSearchQuerySchema,
  responses: { 200: { description: 'The families found (at most 20)', schema: SupportSearchResponseSchema }, 400: { description: 'VALIDATION_FAILED (query.q)' }, ...OPERATOR_ONLY },
  handler: async ({ koa, app, input, auth }) => {
    noStore(koa);
    koa.body = await supportSearch(app, auth!.account, input.query, requestMeta(koa));
  },
});

export const getSupportFamily = defineRoute({
  method: 'get',
  path: '/api/console/support/families/:accountId',
  operationId: 'consoleSupportFamily',
  summary: 'One family for the hotline: account, students and cards, orders, recovery requests (masked)',
  tags: ['console'],
  access: OPERATOR_ACCESS,
  params: AccountIdParamsSchema,
  responses: { 200: { description: 'The family', schema: SupportFamilyDetailSchema }, 404: { description: 'NOT_FOUND' }, ...OPERATOR_ONLY },
  handler: async ({ koa, app, input, auth }) => {
    noStore(koa);
    koa.body = await supportFamily(app, auth!.account, input.params.accountId);
  },
});

export const postSupportReveal = defineRoute({
  method: 'post',
  path: '/api/console/support/reveal',
  operationId: 'consoleSupportReveal',
  summary: 'Reveal one full value (a resident ID, a name, a phone) of one record, with a reason; audited (console.pii_revealed)',
  tags: ['console'],
  access: OPERATOR_ACCESS,
  body: SupportRevealRequestSchema,
  responses: { 200: { description: 'The full value', schema: SupportRevealResponseSchema }, 400: { description: 'VALIDATION_FAILED (reason)' }, 404: { description: 'NOT_FOUND' }, ...OPERATOR_ONLY },
  handler: async ({ koa, app, input, auth }) => {
    noStore(koa);
    koa.body = await revealField(app, auth!.account, input.body, requestMeta(koa));
  },
});

export const postSupportUnlock = defineRoute({
  method: 'post',
  path: '/api/console/support/accounts/:accountId/unlock',
  operationId: 'consoleSupportUnlock',
  summary: "End an account's sign-in delay after failed passwords and clear its counters (audited)",
  tags: ['console'],
  access: OPERATOR_ACCESS,
  params: AccountIdParamsSchema,
  body: SupportActionRequestSchema,
  responses: { 200: { description: 'Unlocked', schema: SupportUnlockResponseSchema }, 404: { description: 'NOT_FOUND' }, ...OPERATOR_ONLY },
  handler: async ({ koa, app, input, auth }) => {
    noStore(koa);
    koa.body = await unlockAccount(app, auth!.account, input.params.accountId, input.body.reason, requestMeta(koa));
  },
});

export const postSupportRefund = defineRoute({
  method: 'post',
  path: '/api/console/support/orders/:outTradeNo/refund',
  operationId: 'consoleSupportRefund',
  summary: 'Refund a paid (or flagged) communication-card order in full through WeChat Pay (audited)',
  tags: ['console'],
  access: OPERATOR_ACCESS,
  params: OutTradeNoParamsSchema,
  body: SupportActionRequestSchema,
  responses: {
    200: { description: 'The refund was requested; the order is refunding or refunded', schema: SupportRefundResponseSchema },
    404: { description: 'ORDER_NOT_FOUND' },
    409: { description: 'ORDER_NOT_REFUNDABLE' },
    503: { description: 'PAYMENT_UNAVAILABLE' },
    ...OPERATOR_ONLY,
  },
  handler: async ({ koa, app, input, auth }) => {
    noStore(koa);
    koa.body = await refundOrderForSupport(app, auth!.account, input.params.outTradeNo, input.body.reason, requestMeta(koa));
  },
});

export const getConsoleAudit = defineRoute({
  method: 'get',
  path: '/api/console/audit',
  operationId: 'consoleAuditSearch',
  summary: 'The audit log by actor, subject, action (or prefix ending in .) and time, newest first, paged',
  tags: ['console'],
  access: OPERATOR_ACCESS,
  query: AuditQuerySchema,
  responses: { 200: { description: 'A page of audit entries', schema: AuditListResponseSchema }, 400: { description: 'VALIDATION_FAILED' }, ...OPERATOR_ONLY },
  handler: async ({ koa, app, input, auth }) => {
    noStore(koa);
    koa.body = await searchAuditLog(app, auth!.account, input.query);
  },
});

export const getConsoleOverview = defineRoute({
  method: 'get',
  path: '/api/console/overview',
  operationId: 'consoleOverview',
  summary: "The province's funnel (or a city's, a district's) by city, district or school, from the aggregates",
  tags: ['console'],
  access: OPERATOR_ACCESS,
  query: OverviewQuerySchema,
  responses: { 200: { description: 'The overview', schema: OverviewResponseSchema }, 404: { description: 'NOT_FOUND (no school in that region)' }, ...OPERATOR_ONLY },
  handler: async ({ koa, app, input, auth }) => {
    noStore(koa);
    koa.body = await provinceOverview(app, auth!.account, input.query);
  },
});

export const putSchoolRegion = defineRoute({
  method: 'put',
  path: '/api/console/schools/:schoolId/region',
  operationId: 'consoleSetSchoolRegion',
  summary: "Set a school's 行政区划 (city and district code and name; audited)",
  tags: ['console'],
  access: OPERATOR_ACCESS,
  params: SchoolIdParamsSchema,
  body: SchoolRegionRequestSchema,
  responses: { 200: { description: 'Set', schema: SchoolRegionResponseSchema }, 400: { description: 'VALIDATION_FAILED' }, 404: { description: 'NOT_FOUND' }, ...OPERATOR_ONLY },
  handler: async ({ koa, app, input, auth }) => {
    noStore(koa);
    koa.body = await setSchoolRegion(app, auth!.account, input.params.schoolId, input.body, requestMeta(koa));
  },
});

export const postStaffPagesSession = defineRoute({
  method: 'post',
  path: '/api/console/staff-pages-session',
  operationId: 'consoleStaffPagesSession',
  summary: 'A short-lived HttpOnly SameSite=Strict cookie for the pages outside the console (queues, API docs) from this console session',
  tags: ['console'],
  access: OPERATOR_ACCESS,
  responses: { 200: { description: 'The cookie is set', schema: DocsSessionResponseSchema }, ...OPERATOR_ONLY },
  handler: async ({ koa, app, auth }) => {
    noStore(koa);
    // A Secure cookie cannot be set over plain HTTP: production must be reached through its TLS proxy (TRUST_PROXY).
    if (app.config.NODE_ENV === 'production' && !koa.secure) throw new AppError('FORBIDDEN', { message: '请通过 HTTPS 访问管理后台' });
    const cookie = staffPagesCookie(app, auth!);
    koa.cookies.set(STAFF_PAGES_COOKIE, cookie.value, {
      httpOnly: true,
      sameSite: 'strict',
      secure: app.config.NODE_ENV === 'production',
      path: '/',
      maxAge: cookie.maxAge * 1000,
      overwrite: true,
    });
    koa.body = { ok: true, expiresIn: cookie.maxAge, paths: [QUEUES_PATH, API_DOCS_PATH] };
  },
});

export const getConsoleStaff = defineRoute({
  method: 'get',
  path: '/api/console/staff',
  operationId: 'consoleListStaff',
  summary: 'School administrators (of a school, or all) or operators, newest first, paged (phones masked)',
  tags: ['console'],
  access: OPERATOR_ACCESS,
  query: StaffListQuerySchema,
  responses: { 200: { description: 'A page of staff accounts', schema: StaffListResponseSchema }, ...OPERATOR_ONLY },
  handler: async ({ koa, app, input, auth }) => {
    noStore(koa);
    koa.body = await listStaff(app, auth!.account, input.query);
  },
});

export const postConsoleStaff = defineRoute({
  method: 'post',
  path: '/api/console/staff',
  operationId: 'consoleCreateStaff',
  summary: 'Create a school administrator or an operator: a one-time password shown once, to change at the first sign-in (audited)',
  tags: ['console'],
  access: OPERATOR_ACCESS,
  body: CreateStaffRequestSchema,
  responses: { 201: { description: 'Created', schema: StaffPasswordResponseSchema }, 400: { description: 'VALIDATION_FAILED (username taken, school, phone)' }, ...OPERATOR_ONLY },
  handler: async ({ koa, app, input, auth }) => {
    noStore(koa);
    koa.status = 201;
    koa.body = await createStaff(app, auth!.account, input.body, requestMeta(koa));
  },
});

export const postStaffPasswordReset = defineRoute({
  method: 'post',
  path: '/api/console/staff/:accountId/password-reset',
  operationId: 'consoleResetStaffPassword',
  summary: "Reset a staff account's password: a new one-time password, every session ended (audited)",
  tags: ['console'],
  access: OPERATOR_ACCESS,
  params: AccountIdParamsSchema,
  responses: { 200: { description: 'Reset', schema: StaffPasswordResponseSchema }, 404: { description: 'NOT_FOUND (no such staff account)' }, ...OPERATOR_ONLY },
  handler: async ({ koa, app, input, auth }) => {
    noStore(koa);
    koa.body = await resetStaffPassword(app, auth!.account, input.params.accountId, requestMeta(koa));
  },
});

export const putStaffStatus = defineRoute({
  method: 'put',
  path: '/api/console/staff/:accountId/status',
  operationId: 'consoleSetStaffStatus',
  summary: 'Disable a staff account (its sessions end at once) or enable it again, with a reason (audited)',
  tags: ['console'],
  access: OPERATOR_ACCESS,
  params: AccountIdParamsSchema,
  body: StaffStatusRequestSchema,
  responses: { 200: { description: 'Set', schema: StaffAccountResponseSchema }, 404: { description: 'NOT_FOUND' }, ...OPERATOR_ONLY },
  handler: async ({ koa, app, input, auth }) => {
    noStore(koa);
    koa.body = await setStaffStatus(app, auth!.account, input.params.accountId, input.body, requestMeta(koa));
  },
});

export const postOrderShipping = defineRoute({
  method: 'post',
  path: '/api/console/orders/:outTradeNo/shipping',
  operationId: 'consoleShipOrder',
  summary: "Mark a paid communication-card order shipped (carrier + tracking number); uploaded to WeChat's 发货信息管理 through the outbox (audited)",
  tags: ['console'],
  access: OPERATOR_ACCESS,
  params: OutTradeNoParamsSchema,
  body: ShipOrderRequestSchema,
  responses: {
    200: { description: 'Shipped; the upload to WeChat follows within seconds', schema: ShipOrderResponseSchema },
    404: { description: 'ORDER_NOT_FOUND' },
    409: { description: 'ORDER_NOT_SHIPPABLE (not paid, or already shipped)' },
    ...OPERATOR_ONLY,
  },
  handler: async ({ koa, app, input, auth }) => {
    noStore(koa);
    const order = await markOrderShipped(app, auth!.account, input.params.outTradeNo, input.body, requestMeta(koa));
    koa.body = { order: presentOrder(order) };
  },
});
