import { OkResponseSchema } from '../../../../domain/api/auth';
import { logout } from '../../../services/accounts/logout';
import { defineRoute } from '../../route';
import { requestMeta } from './request-meta';

export const postLogout = defineRoute({
  method: 'post',
  path: '/api/auth/logout',
  operationId: 'logout',
  summary: 'Sign out: revoke the current session',
  tags: ['auth'],
  access: 'authenticated',
  responses: { 200: { description: 'Signed out', schema: OkResponseSchema } },
  handler: async ({ koa, app, auth }) => {
    await logout(app, auth!, requestMeta(koa));
    koa.body = { ok: true };
  },
});
