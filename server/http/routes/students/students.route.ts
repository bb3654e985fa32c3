/**
 * /api/students: a family's students, drafts, submissions and the 电子档案
 * contact edit (roles parent and student). A student of another family, or an
 * unknown id, answers 404 NOT_FOUND (never 403: the answer does not reveal
 * that the student exists). Answers holding personal data are never cached.
 */
import {
  CreateStudentRequestSchema,
  DeleteStudentResponseSchema,
  GetDraftResponseSchema,
  ListStudentsQuerySchema,
  ListStudentsResponseSchema,
  SaveDraftResponseSchema,
  StudentDetailQuerySchema,
  StudentDetailSchema,
  StudentIdParamsSchema,
  StudentSummarySchema,
  SubmissionResponseSchema,
  UpdateContactRequestSchema,
  WithdrawChangeRequestSchema,
} from '../../../../domain/api/profiles';
import { FAMILY_ROLES } from '../../../../domain/api/auth';
import { ProfileDraftSchema, ProfileSubmissionSchema } from '../../../../domain/profile/schemas';
import { getDraft, saveDraft } from '../../../services/profiles/drafts';
import { createStudent, deleteDraftStudent, getStudentDetail, listStudents } from '../../../services/profiles/students';
import { submitProfile } from '../../../services/profiles/submit-profile';
import { updateContact } from '../../../services/profiles/update-contact';
import { withdrawChange } from '../../../services/profiles/withdraw-change';
import { defineRoute, type AuthState } from '../../route';
import { noStore, requestMeta } from '../auth/request-meta';

const access = { roles: FAMILY_ROLES };
const tags = ['students'];

function actorOf(auth: AuthState | null) {
  return { id: auth!.account.id, role: auth!.account.role };
}

export const listMyStudents = defineRoute({
  method: 'get',
  path: '/api/students',
  operationId: 'listStudents',
  summary: "The account's students: status, masked name, card number, latest version",
  tags,
  access,
  query: ListStudentsQuerySchema,
  responses: { 200: { description: 'Oldest first, paged', schema: ListStudentsResponseSchema } },
  handler: async ({ koa, app, auth, input }) => {
    noStore(koa);
    koa.body = await listStudents(app, auth!.account.id, input.query);
  },
});

export const postStudent = defineRoute({
  method: 'post',
  path: '/api/students',
  operationId: 'createStudent',
  summary: 'Add a student (a parent: up to 10 children; a student account: itself, once)',
  tags,
  access,
  body: CreateStudentRequestSchema,
  responses: {
    201: { description: 'Added, in status draft', schema: StudentSummarySchema },
    409: { description: 'STUDENT_ACCOUNT_SINGLE or FAMILY_STUDENT_LIMIT' },
  },
  handler: async ({ koa, app, auth }) => {
    const student = await createStudent(app, actorOf(auth), requestMeta(koa));
    noStore(koa);
    koa.status = 201;
    koa.body = student;
  },
});

export const getStudent = defineRoute({
  method: 'get',
  path: '/api/students/:studentId',
  operationId: 'getStudent',
  summary: 'One student: status timeline, card, latest profile masked; ?reveal=residentId answers the full ID once (audited)',
  tags,
  access,
  params: StudentIdParamsSchema,
  query: StudentDetailQuerySchema,
  responses: { 200: { description: 'The student', schema: StudentDetailSchema }, 404: { description: 'NOT_FOUND' } },
  handler: async ({ koa, app, auth, input }) => {
    const detail = await getStudentDetail(app, actorOf(auth), input.params.studentId, {
      reveal: input.query.reveal,
      meta: requestMeta(koa),
    });
    noStore(koa);
    koa.body = detail;
  },
});

export const putDraft = defineRoute({
  method: 'put',
  path: '/api/students/:studentId/draft',
  operationId: 'saveDraft',
  summary: 'Save the unsubmitted form (every field optional; present fields validated like a submission)',
  tags,
  access,
  params: StudentIdParamsSchema,
  body: ProfileDraftSchema,
  responses: { 200: { description: 'Saved', schema: SaveDraftResponseSchema }, 404: { description: 'NOT_FOUND' } },
  handler: async ({ koa, app, auth, input }) => {
    koa.body = await saveDraft(app, actorOf(auth), input.params.studentId, input.body);
  },
});

export const getStudentDraft = defineRoute({
  method: 'get',
  path: '/api/students/:studentId/draft',
  operationId: 'getDraft',
  summary: 'The saved draft in clear for its family (no audit), else the latest version to correct (audited)',
  tags,
  access,
  params: StudentIdParamsSchema,
  responses: { 200: { description: 'The form values', schema: GetDraftResponseSchema }, 404: { description: 'NOT_FOUND' } },
  handler: async ({ koa, app, auth, input }) => {
    const draft = await getDraft(app, actorOf(auth), input.params.studentId, requestMeta(koa));
    noStore(koa);
    koa.body = draft;
  },
});

export const postSubmission = defineRoute({
  method: 'post',
  path: '/api/students/:studentId/submissions',
  operationId: 'submitProfile',
  summary: 'Submit the profile: a new immutable version, matched against the registry',
  tags,
  access,
  params: StudentIdParamsSchema,
  body: ProfileSubmissionSchema,
  responses: {
    201: { description: 'Submitted; the registry match follows within seconds', schema: SubmissionResponseSchema },
    400: { description: 'VALIDATION_FAILED (fields name the problem, e.g. body.consent, body.school.classId)' },
    404: { description: 'NOT_FOUND' },
    409: { description: 'SUBMISSION_PENDING, KEY_FIELDS_UNCHANGED or ID_ALREADY_APPROVED' },
  },
  handler: async ({ koa, app, auth, input }) => {
    const result = await submitProfile(app, actorOf(auth), input.params.studentId, input.body, requestMeta(koa));
    koa.status = 201;
    koa.body = result;
  },
});

export const patchContact = defineRoute({
  method: 'patch',
  path: '/api/students/:studentId/contact',
  operationId: 'updateContact',
  summary: '电子档案: change contact fields of the approved profile; applies at once, without matching',
  tags,
  access,
  params: StudentIdParamsSchema,
  body: UpdateContactRequestSchema,
  responses: {
    200: { description: 'The student after the change', schema: StudentDetailSchema },
    404: { description: 'NOT_FOUND' },
    409: { description: 'CONTACT_EDIT_UNAVAILABLE: not approved, or a change is being reviewed or was returned' },
  },
  handler: async ({ koa, app, auth, input }) => {
    const actor = actorOf(auth);
    const meta = requestMeta(koa);
    await updateContact(app, actor, input.params.studentId, input.body, meta);
    noStore(koa);
    koa.body = await getStudentDetail(app, actor, input.params.studentId, { meta });
  },
});

export const postWithdrawChange = defineRoute({
  method: 'post',
  path: '/api/students/:studentId/change/withdraw',
  operationId: 'withdrawChange',
  summary: 'Withdraw a key-field change waiting for review, or keep the current data after it was returned; the card stays valid',
  tags,
  access,
  params: StudentIdParamsSchema,
  body: WithdrawChangeRequestSchema,
  responses: {
    200: { description: 'The student back on its approved version', schema: StudentDetailSchema },
    404: { description: 'NOT_FOUND' },
    409: { description: 'CONFLICT: no change to withdraw (none, not on top of a valid card, or still being matched)' },
  },
  handler: async ({ koa, app, auth, input }) => {
    const detail = await withdrawChange(app, actorOf(auth), input.params.studentId, requestMeta(koa));
    noStore(koa);
    koa.body = detail;
  },
});

export const deleteStudent = defineRoute({
  method: 'delete',
  path: '/api/students/:studentId',
  operationId: 'deleteDraftStudent',
  summary: 'Delete a student that was never submitted (a draft), with its draft',
  tags,
  access,
  params: StudentIdParamsSchema,
  responses: {
    200: { description: 'Deleted', schema: DeleteStudentResponseSchema },
    404: { description: 'NOT_FOUND' },
    409: { description: 'CONFLICT: already submitted (versions are kept)' },
  },
  handler: async ({ koa, app, auth, input }) => {
    await deleteDraftStudent(app, actorOf(auth), input.params.studentId, requestMeta(koa));
    koa.body = { studentId: input.params.studentId, deleted: true };
  },
});
