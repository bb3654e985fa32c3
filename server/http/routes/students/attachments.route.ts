/**
 * /api/students/:studentId/attachments: the family's evidence for an open
 * return whose reason asks for a document (server/services/reviews/review-attachments.ts).
 * The upload is the raw file as the body, its name in ?fileName=.
 */
import { FAMILY_ROLES } from '../../../../domain/api/auth';
import { StudentIdParamsSchema } from '../../../../domain/api/profiles';
import { AttachmentListSchema, AttachmentParamsSchema, AttachmentViewSchema, DeleteAttachmentResponseSchema, UploadQuerySchema } from '../../../../domain/api/uploads';
import { attachFamilyEvidence, deleteFamilyEvidence, listFamilyEvidence } from '../../../services/reviews/review-attachments';
import { defineRoute, type AuthState } from '../../route';
import { declaredLength } from '../../send-file';
import { noStore, requestMeta } from '../auth/request-meta';

const access = { roles: FAMILY_ROLES };
const tags = ['students'];
const actorOf = (auth: AuthState | null) => ({ id: auth!.account.id, role: auth!.account.role });

export const getAttachments = defineRoute({
  method: 'get',
  path: '/api/students/:studentId/attachments',
  operationId: 'listStudentAttachments',
  summary: 'What the family attached to the open return (names and sizes only: the files are for the reviewers)',
  tags,
  access,
  params: StudentIdParamsSchema,
  responses: { 200: { description: 'The attachments', schema: AttachmentListSchema }, 404: { description: 'NOT_FOUND' } },
  handler: async ({ koa, app, auth, input }) => {
    noStore(koa);
    koa.body = await listFamilyEvidence(app, actorOf(auth), input.params.studentId);
  },
});

export const postAttachment = defineRoute({
  method: 'post',
  path: '/api/students/:studentId/attachments',
  operationId: 'attachStudentEvidence',
  summary: 'Attach a photo (JPEG, PNG) or a PDF to the open return whose reason asks for a document; the body is the file',
  tags,
  access,
  rawBody: true,
  params: StudentIdParamsSchema,
  query: UploadQuerySchema,
  responses: {
    201: { description: 'Attached', schema: AttachmentViewSchema },
    400: { description: 'FILE_REQUIRED, FILE_TOO_LARGE, FILE_TYPE_NOT_ALLOWED, FILE_EXECUTABLE, or a bad fileName' },
    404: { description: 'NOT_FOUND' },
    409: { description: 'ATTACHMENT_NOT_REQUESTED (no open return asking for a document) or ATTACHMENT_LIMIT' },
  },
  handler: async ({ koa, app, auth, input }) => {
    const view = await attachFamilyEvidence(app, actorOf(auth), requestMeta(koa), {
      studentId: input.params.studentId,
      source: koa.req,
      declaredLength: declaredLength(koa),
      fileName: input.query.fileName,
    });
    koa.status = 201;
    koa.body = view;
  },
});

export const deleteAttachment = defineRoute({
  method: 'delete',
  path: '/api/students/:studentId/attachments/:attachmentId',
  operationId: 'deleteStudentEvidence',
  summary: 'Remove an attachment of the open return (before resubmitting)',
  tags,
  access,
  params: AttachmentParamsSchema,
  responses: {
    200: { description: 'Removed', schema: DeleteAttachmentResponseSchema },
    404: { description: 'NOT_FOUND' },
    409: { description: 'CONFLICT: already resubmitted with it' },
  },
  handler: async ({ koa, app, auth, input }) => {
    koa.body = await deleteFamilyEvidence(app, actorOf(auth), requestMeta(koa), input.params.studentId, input.params.attachmentId);
  },
});

export const attachmentRoutes = [getAttachments, postAttachment, deleteAttachment];
