import { RegisterRequestSchema, SessionResponseSchema } from '../../../../domain/api/auth';
import { register } from '../../../services/accounts/register';
import { defineRoute } from '../../route';
import { noStore, requestMeta } from './request-meta';

export const postRegister = defineRoute({
  method: 'post',
  path: '/api/auth/register',
  operationId: 'register',
  summary: 'Register a parent or student account (phone proven by SMS code or WeChat phone ticket)',
  tags: ['auth'],
  access: 'public',
  body: RegisterRequestSchema,
  responses: {
    201: { description: 'Registered and signed in', schema: SessionResponseSchema },
    400: { description: 'VALIDATION_FAILED, SMS_CODE_INVALID or TICKET_INVALID' },
    409: { description: 'USERNAME_TAKEN or WECHAT_ALREADY_BOUND' },
  },
  handler: async ({ koa, app, input }) => {
    const session = await register(app, input.body, requestMeta(koa));
    noStore(koa);
    koa.status = 201;
    koa.body = session;
  },
});
