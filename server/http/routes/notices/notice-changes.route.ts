/**
 * Changing a published notice (its author, within NOTICE_EDIT_WINDOW_HOURS):
 * edit, withdraw, add an image or PDF; and the attachments' files for whoever
 * may open the notice (server/services/notices/notice-changes.ts).
 */
import {
  NoticeAttachmentParamsSchema,
  NoticeAttachmentSchema,
  NoticeChangedSchema,
  NoticeIdParamsSchema,
  UpdateNoticeRequestSchema,
} from '../../../../domain/api/notices';
import { UploadQuerySchema } from '../../../../domain/api/uploads';
import { attachToNotice, editNotice, openNoticeAttachment, withdrawNotice } from '../../../services/notices/notice-changes';
import type { Actor } from '../../../services/notices/notices';
import { defineRoute, type AuthState } from '../../route';
import { declaredLength, sendStoredFile } from '../../send-file';
import { requestMeta } from '../auth/request-meta';

const tags = ['notices'];
const staff = { roles: ['teacher', 'school_admin'] as const };
const actorOf = (auth: AuthState | null): Actor => ({ id: auth!.account.id, role: auth!.account.role, schoolId: auth!.account.schoolId });
const changeResponses = {
  403: { description: 'FORBIDDEN: not the author' },
  404: { description: 'NOT_FOUND' },
  409: { description: 'NOTICE_EDIT_CLOSED (published longer ago than the edit window) or NOTICE_WITHDRAWN' },
};

export const patchNotice = defineRoute({
  method: 'patch',
  path: '/api/notices/:id',
  operationId: 'editNotice',
  summary: 'Edit a published notice (title, body, due date, confirmation) within the edit window; families read the edited text',
  tags,
  access: staff,
  params: NoticeIdParamsSchema,
  body: UpdateNoticeRequestSchema,
  responses: { 200: { description: 'Edited', schema: NoticeChangedSchema }, ...changeResponses },
  handler: async ({ koa, app, auth, input }) => {
    koa.body = await editNotice(app, actorOf(auth), input.params.id, input.body, requestMeta(koa));
  },
});

export const postWithdrawNotice = defineRoute({
  method: 'post',
  path: '/api/notices/:id/withdraw',
  operationId: 'withdrawNotice',
  summary: 'Withdraw a published notice within the edit window: families no longer see it',
  tags,
  access: staff,
  params: NoticeIdParamsSchema,
  responses: { 200: { description: 'Withdrawn', schema: NoticeChangedSchema }, ...changeResponses },
  handler: async ({ koa, app, auth, input }) => {
    koa.body = await withdrawNotice(app, actorOf(auth), input.params.id, requestMeta(koa));
  },
});

export const postNoticeAttachment = defineRoute({
  method: 'post',
  path: '/api/notices/:id/attachments',
  operationId: 'attachToNotice',
  summary: 'Add an image (JPEG, PNG) or a PDF to a notice within the edit window; the body is the file',
  tags,
  access: staff,
  rawBody: true,
  params: NoticeIdParamsSchema,
  query: UploadQuerySchema,
  responses: {
    201: { description: 'Attached', schema: NoticeAttachmentSchema },
    400: { description: 'FILE_REQUIRED, FILE_TOO_LARGE, FILE_TYPE_NOT_ALLOWED, FILE_EXECUTABLE, or a bad fileName' },
    ...changeResponses,
  },
  handler: async ({ koa, app, auth, input }) => {
    const view = await attachToNotice(app, actorOf(auth), input.params.id, { source: koa.req, declaredLength: declaredLength(koa), fileName: input.query.fileName }, requestMeta(koa));
    koa.status = 201;
    koa.body = view;
  },
});

export const getNoticeAttachment = defineRoute({
  method: 'get',
  path: '/api/notices/:id/attachments/:attachmentId',
  operationId: 'downloadNoticeAttachment',
  summary: "One attachment's file, for the notice's recipients (not once withdrawn), its author and the school's administrator",
  tags,
  access: 'authenticated',
  params: NoticeAttachmentParamsSchema,
  responses: { 200: { description: 'image/jpeg, image/png or application/pdf' }, 403: { description: 'FORBIDDEN' }, 404: { description: 'NOT_FOUND' } },
  handler: async ({ koa, app, auth, input }) => {
    const { file, fileName } = await openNoticeAttachment(app, actorOf(auth), input.params.id, input.params.attachmentId);
    sendStoredFile(koa, file, fileName);
  },
});

export const noticeChangeRoutes = [patchNotice, postWithdrawNotice, postNoticeAttachment, getNoticeAttachment];
