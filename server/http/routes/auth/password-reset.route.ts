import {
  OkResponseSchema,
  RecoveryCompleteRequestSchema,
  RecoveryFiledResponseSchema,
  RecoveryRequestSchema,
  ResetPasswordBySmsRequestSchema,
} from '../../../../domain/api/auth';
import { completeRecovery, fileRecoveryRequest } from '../../../services/accounts/recovery-requests';
import { resetPasswordBySms } from '../../../services/accounts/reset-password-by-sms';
import { defineRoute } from '../../route';
import { noStore, requestMeta } from './request-meta';

export const postPasswordResetSms = defineRoute({
  method: 'post',
  path: '/api/auth/password-reset/sms',
  operationId: 'resetPasswordBySms',
  summary: 'Reset the password with an SMS code to the bound phone (username needed when several accounts share the phone); always open to the owner, never delayed by failed sign-ins',
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

export const postRecoveryRequest = defineRoute({
  method: 'post',
  path: '/api/auth/recovery-requests',
  operationId: 'fileRecoveryRequest',
  summary: '人工找回: the phone is lost; a head teacher or school admin checks the request, which then waits RECOVERY_WAIT_HOURS (old phone and WeChat told at once)',
  tags: ['auth'],
  access: 'public',
  body: RecoveryRequestSchema,
  responses: {
    200: { description: 'Filed (the same answer for an unknown username)', schema: RecoveryFiledResponseSchema },
    400: { description: 'SMS_CODE_INVALID (code of the new phone), CAPTCHA_INVALID or VALIDATION_FAILED' },
    429: { description: 'RATE_LIMITED per IP, with Retry-After' },
  },
  handler: async ({ koa, app, input }) => {
    const answer = await fileRecoveryRequest(app, input.body, requestMeta(koa));
    noStore(koa);
    koa.body = answer;
  },
});

export const postRecoveryComplete = defineRoute({
  method: 'post',
  path: '/api/auth/recovery-requests/complete',
  operationId: 'completeRecovery',
  summary: 'After approval and the waiting period: set the new phone and password (every session revoked; old phone and WeChat told)',
  tags: ['auth'],
  access: 'public',
  body: RecoveryCompleteRequestSchema,
  responses: {
    200: { description: 'Recovered', schema: OkResponseSchema },
    400: { description: 'SMS_CODE_INVALID or VALIDATION_FAILED' },
    404: { description: 'RECOVERY_NOT_FOUND: no open request of this username and phone' },
    409: { description: 'RECOVERY_NOT_READY: still to be checked, or in its waiting period' },
    429: { description: 'ACCOUNT_LOCKED (the account\'s growing delay) or RATE_LIMITED, with Retry-After' },
  },
  handler: async ({ koa, app, input }) => {
    await completeRecovery(app, input.body, requestMeta(koa));
    noStore(koa);
    koa.body = { ok: true };
  },
});
