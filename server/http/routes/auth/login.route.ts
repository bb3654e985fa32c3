import { LoginRequestSchema, SessionResponseSchema } from '../../../../domain/api/auth';
import { login } from '../../../services/accounts/login';
import { defineRoute } from '../../route';
import { noStore, requestMeta } from './request-meta';

export const postLogin = defineRoute({
  method: 'post',
  path: '/api/auth/login',
  operationId: 'login',
  summary: 'Sign in with username or mobile number and password',
  tags: ['auth'],
  access: 'public',
  body: LoginRequestSchema,
  responses: {
    200: { description: 'Signed in', schema: SessionResponseSchema },
    400: { description: 'CAPTCHA_REQUIRED or CAPTCHA_INVALID (after 3 failures)' },
    401: { description: 'INVALID_CREDENTIALS (the same for an unknown user and a wrong password)' },
    429: { description: 'ACCOUNT_LOCKED (after 5 failures, 15 minutes) or RATE_LIMITED (per IP), with Retry-After' },
  },
  handler: async ({ koa, app, input }) => {
    const session = await login(app, input.body, requestMeta(koa));
    noStore(koa);
    koa.body = session;
  },
});
