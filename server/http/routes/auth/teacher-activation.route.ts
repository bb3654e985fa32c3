import { ActivateTeacherRequestSchema, SessionResponseSchema } from '../../../../domain/api/auth';
import { activateTeacher } from '../../../services/accounts/activate-teacher';
import { defineRoute } from '../../route';
import { noStore, requestMeta } from './request-meta';

export const postTeacherActivation = defineRoute({
  method: 'post',
  path: '/api/auth/teacher-activation',
  operationId: 'activateTeacher',
  summary: 'Activate an imported teacher account: SMS code to its phone, then username and password',
  tags: ['auth'],
  access: 'public',
  body: ActivateTeacherRequestSchema,
  responses: {
    200: { description: 'Activated and signed in', schema: SessionResponseSchema },
    400: { description: 'SMS_CODE_INVALID, TEACHER_NOT_FOUND or VALIDATION_FAILED' },
    409: { description: 'USERNAME_TAKEN' },
  },
  handler: async ({ koa, app, input }) => {
    const session = await activateTeacher(app, input.body, requestMeta(koa));
    noStore(koa);
    koa.body = session;
  },
});
