import { SendSmsCodeRequestSchema, SendSmsCodeResponseSchema } from '../../../../domain/api/auth';
import { sendSmsCode } from '../../../services/accounts/sms-codes';
import { defineRoute } from '../../route';
import { noStore, requestMeta } from './request-meta';

export const postSmsCode = defineRoute({
  method: 'post',
  path: '/api/auth/sms-codes',
  operationId: 'sendSmsCode',
  summary: 'Send a 6-digit verification code by SMS (1/min and 10/day per phone, 20/hour per IP)',
  tags: ['auth'],
  access: 'public',
  body: SendSmsCodeRequestSchema,
  responses: {
    200: { description: 'Sent (the same answer whether or not the phone has accounts)', schema: SendSmsCodeResponseSchema },
    429: { description: 'RATE_LIMITED, with Retry-After' },
    503: { description: 'SMS_SEND_FAILED: the provider refused; the code is not usable' },
  },
  handler: async ({ koa, app, input }) => {
    const sent = await sendSmsCode(app, { ...input.body, meta: requestMeta(koa) });
    noStore(koa);
    koa.body = sent;
  },
});
