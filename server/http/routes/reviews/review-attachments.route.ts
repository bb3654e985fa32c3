/**
 * /api/reviews/:versionId/attachments: the family's evidence, for the reviewers
 * of the class only (head teacher, school admin); every download is audited.
 */
import { AttachmentListSchema, ReviewAttachmentParamsSchema } from '../../../../domain/api/uploads';
import { VersionIdParamsSchema } from '../../../../domain/api/reviews';
import { listReviewEvidence, openReviewEvidence } from '../../../services/reviews/review-attachments';
import { defineRoute, type AuthState } from '../../route';
import { sendStoredFile } from '../../send-file';
import { noStore, requestMeta } from '../auth/request-meta';

const access = { roles: ['teacher', 'school_admin'] as const };
const tags = ['reviews'];
const reviewerOf = (auth: AuthState | null) => ({ id: auth!.account.id, role: auth!.account.role, schoolId: auth!.account.schoolId });

export const getReviewAttachments = defineRoute({
  method: 'get',
  path: '/api/reviews/:versionId/attachments',
  operationId: 'listReviewAttachments',
  summary: 'The documents the family attached in answer to earlier returns of this student',
  tags,
  access,
  params: VersionIdParamsSchema,
  responses: {
    200: { description: 'The attachments', schema: AttachmentListSchema },
    403: { description: 'FORBIDDEN: a class of the school the caller does not review' },
    404: { description: 'NOT_FOUND' },
  },
  handler: async ({ koa, app, auth, input }) => {
    noStore(koa);
    koa.body = await listReviewEvidence(app, reviewerOf(auth), input.params.versionId);
  },
});

export const getReviewAttachment = defineRoute({
  method: 'get',
  path: '/api/reviews/:versionId/attachments/:attachmentId',
  operationId: 'downloadReviewAttachment',
  summary: 'Download one attachment (its sniffed type, as an attachment, never rendered inline); audited',
  tags,
  access,
  params: ReviewAttachmentParamsSchema,
  responses: {
    200: { description: 'image/jpeg, image/png or application/pdf' },
    403: { description: 'FORBIDDEN' },
    404: { description: 'NOT_FOUND' },
  },
  handler: async ({ koa, app, auth, input }) => {
    const { file, fileName } = await openReviewEvidence(app, reviewerOf(auth), requestMeta(koa), input.params.versionId, input.params.attachmentId);
    sendStoredFile(koa, file, fileName);
  },
});

export const reviewAttachmentRoutes = [getReviewAttachments, getReviewAttachment];
