import { RecoverUsernameRequestSchema, RecoverUsernameResponseSchema } from '../../../../domain/api/auth';
import { recoverUsernames } from '../../../services/accounts/recover-username';
import { defineRoute } from '../../route';
import { noStore, requestMeta } from './request-meta';

export const postUsernameRecovery = defineRoute({
  method: 'post',
  path: '/api/auth/username-recovery',
  operationId: 'recoverUsername',
  summary: 'The usernames on a phone, with an SMS code to it (shown whole: the code proves the phone; audited)',
  tags: ['auth'],
  access: 'public',
  body: RecoverUsernameRequestSchema,
  responses: {
    200: { description: 'The usernames; empty when the phone has none', schema: RecoverUsernameResponseSchema },
    400: { description: 'SMS_CODE_INVALID' },
  },
  handler: async ({ koa, app, input }) => {
    const usernames = await recoverUsernames(app, input.body, requestMeta(koa));
    noStore(koa);
    koa.body = { usernames };
  },
});
