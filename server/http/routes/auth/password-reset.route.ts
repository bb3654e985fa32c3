import { OkResponseSchema, ResetPasswordByIdentityRequestSchema, ResetPasswordBySmsRequestSchema } from '../../../../domain/api/auth';
import { resetPasswordByIdentity } from '../../../services/accounts/reset-password-by-identity';
import { resetPasswordBySms } from '../../../services/accounts/reset-password-by-sms';
import { defineRoute } from '../../route';
import { noStore, requestMeta } from './request-meta';

export const postPasswordResetSms = defineRoute({
  method: 'post',
  path: '/api/auth/password-reset/sms',
  operationId: 'resetPasswordBySms',
  summary: 'Reset the password with an SMS code (username needed when several accounts share the phone)',
  tags: ['auth'],
  access: 'public',
  body: ResetPasswordBySmsRequestSchema,
  responses: {
    200: { description: 'Password reset; every session of the account revoked', schema: OkResponseSchema },
    400: { description: 'SMS_CODE_INVALID, USERNAME_NEEDED, PHONE_NO_ACCOUNT or VALIDATION_FAILED' },
  },
  handler: async ({ koa, app, input }) => {
    await resetPasswordBySms(app, input.body, requestMeta(koa));
    noStore(koa);
    koa.body = { ok: true };
  },
});

export const postPasswordResetIdentity = defineRoute({
  method: 'post',
  path: '/api/auth/password-reset/identity',
  operationId: 'resetPasswordByIdentity',
  summary: "Reset the password with the username or card number and a held student's resident ID number (captcha always)",
  tags: ['auth'],
  access: 'public',
  body: ResetPasswordByIdentityRequestSchema,
  responses: {
    200: { description: 'Password reset; every session of the account revoked', schema: OkResponseSchema },
    400: { description: 'IDENTITY_MISMATCH (also for an unknown account), CAPTCHA_INVALID or VALIDATION_FAILED' },
    429: { description: 'ACCOUNT_LOCKED or RATE_LIMITED, with Retry-After' },
  },
  handler: async ({ koa, app, input }) => {
    await resetPasswordByIdentity(app, input.body, requestMeta(koa));
    noStore(koa);
    koa.body = { ok: true };
  },
});
