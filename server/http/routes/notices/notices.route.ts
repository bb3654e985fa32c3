/**
 * /api/notices: 公告作业 (class notices and homework). Contract and rules in
 * domain/api/notices.ts; use cases in server/services/notices.
 */
import {
  ConfirmNoticeResponseSchema,
  CreateNoticeRequestSchema,
  MyNoticesQuerySchema,
  MyNoticesResponseSchema,
  NoticeCreatedSchema,
  NoticeDetailSchema,
  NoticeIdParamsSchema,
  PublishableClassesResponseSchema,
  ReceiptsQuerySchema,
  ReceiptsResponseSchema,
  RemindResponseSchema,
  SentNoticesQuerySchema,
  SentNoticesResponseSchema,
} from '../../../../domain/api/notices';
import {
  confirmNotice,
  createNotice,
  getNotice,
  listMyNotices,
  listSentNotices,
  noticeReceipts,
  publishableClasses,
  remindUnread,
  type Actor,
} from '../../../services/notices/notices';
import { defineRoute, type AuthState } from '../../route';
import { noStore, requestMeta } from '../auth/request-meta';

const tags = ['notices'];
const staff = { roles: ['teacher', 'school_admin'] as const };
const family = { roles: ['parent', 'student'] as const };

function actorOf(auth: AuthState | null): Actor {
  return { id: auth!.account.id, role: auth!.account.role, schoolId: auth!.account.schoolId };
}

export const getPublishableClasses = defineRoute({
  method: 'get',
  path: '/api/notices/classes',
  operationId: 'listNoticeClasses',
  summary: 'The classes the caller may publish notices to (taught or head-taught; every class of the school for a school administrator)',
  tags,
  access: staff,
  responses: { 200: { description: 'Grade and name order', schema: PublishableClassesResponseSchema } },
  handler: async ({ koa, app, auth }) => {
    const classes = await publishableClasses(app.db, actorOf(auth));
    noStore(koa);
    koa.body = { classes: classes.map(({ id, grade, gradeLabel, name }) => ({ id, grade, gradeLabel, name })) };
  },
});

export const postNotice = defineRoute({
  method: 'post',
  path: '/api/notices',
  operationId: 'createNotice',
  summary: 'Publish a notice (通知) or homework (作业) to classes; families are messaged by the fan-out worker',
  tags,
  access: staff,
  body: CreateNoticeRequestSchema,
  responses: {
    201: { description: 'Published; the fan-out runs in the background', schema: NoticeCreatedSchema },
    400: { description: 'VALIDATION_FAILED: body.title (≤ 40), body.body (≤ 2000), body.type, body.classIds, body.dueDate' },
    403: { description: 'FORBIDDEN: a class the caller does not teach (or of another school)' },
  },
  handler: async ({ koa, app, auth, input }) => {
    koa.body = await createNotice(app, actorOf(auth), input.body, requestMeta(koa));
    koa.status = 201;
  },
});

export const getSentNotices = defineRoute({
  method: 'get',
  path: '/api/notices/sent',
  operationId: 'listSentNotices',
  summary: "The caller's notices, newest first, with read / confirmed / unread counts",
  tags,
  access: staff,
  query: SentNoticesQuerySchema,
  responses: { 200: { description: 'Paged', schema: SentNoticesResponseSchema } },
  handler: async ({ koa, app, auth, input }) => {
    noStore(koa);
    koa.body = await listSentNotices(app, actorOf(auth), input.query);
  },
});

export const getMyNotices = defineRoute({
  method: 'get',
  path: '/api/notices/mine',
  operationId: 'listMyNotices',
  summary: "Notices and homework of the family's approved students' classes, newest first, one item per child",
  tags,
  access: family,
  query: MyNoticesQuerySchema,
  responses: { 200: { description: 'Paged', schema: MyNoticesResponseSchema } },
  handler: async ({ koa, app, auth, input }) => {
    noStore(koa);
    koa.body = await listMyNotices(app, actorOf(auth), input.query);
  },
});

export const getNoticeDetail = defineRoute({
  method: 'get',
  path: '/api/notices/:id',
  operationId: 'getNotice',
  summary: 'One notice: for a family it is marked read; for its author or school administrator with counts',
  tags,
  access: 'authenticated',
  params: NoticeIdParamsSchema,
  responses: {
    200: { description: 'The notice (body is plain text)', schema: NoticeDetailSchema },
    403: { description: 'FORBIDDEN: another teacher of the same school' },
    404: { description: 'NOT_FOUND: not addressed to the family, or of another school' },
  },
  handler: async ({ koa, app, auth, input }) => {
    noStore(koa);
    koa.body = await getNotice(app, actorOf(auth), input.params.id);
  },
});

export const postConfirmNotice = defineRoute({
  method: 'post',
  path: '/api/notices/:id/confirm',
  operationId: 'confirmNotice',
  summary: '家长确认: the family confirms a notice that asks for it (idempotent)',
  tags,
  access: family,
  params: NoticeIdParamsSchema,
  responses: {
    200: { description: 'Confirmed', schema: ConfirmNoticeResponseSchema },
    404: { description: 'NOT_FOUND' },
    409: { description: 'CONFLICT: the notice does not ask for confirmation' },
  },
  handler: async ({ koa, app, auth, input }) => {
    koa.body = await confirmNotice(app, actorOf(auth), input.params.id);
  },
});

export const getNoticeReceipts = defineRoute({
  method: 'get',
  path: '/api/notices/:id/receipts',
  operationId: 'getNoticeReceipts',
  summary: '通知回执: read / confirmed / unread lists with masked student and guardian names',
  tags,
  access: staff,
  params: NoticeIdParamsSchema,
  query: ReceiptsQuerySchema,
  responses: {
    200: { description: 'Each list paged by page / pageSize', schema: ReceiptsResponseSchema },
    403: { description: 'FORBIDDEN' },
    404: { description: 'NOT_FOUND' },
  },
  handler: async ({ koa, app, auth, input }) => {
    noStore(koa);
    koa.body = await noticeReceipts(app, actorOf(auth), input.params.id, input.query);
  },
});

export const postRemindNotice = defineRoute({
  method: 'post',
  path: '/api/notices/:id/remind',
  operationId: 'remindNotice',
  summary: 'Remind the families who have not read the notice (the author; once an hour per notice)',
  tags,
  access: staff,
  params: NoticeIdParamsSchema,
  responses: {
    202: { description: 'Reminders are being sent', schema: RemindResponseSchema },
    403: { description: 'FORBIDDEN: not the author' },
    404: { description: 'NOT_FOUND' },
    429: { description: 'RATE_LIMITED with Retry-After: reminded less than an hour ago' },
  },
  handler: async ({ koa, app, auth, input }) => {
    koa.body = await remindUnread(app, actorOf(auth), input.params.id, requestMeta(koa));
    koa.status = 202;
  },
});
