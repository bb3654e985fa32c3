import { CancelAccountRequestSchema, CancelAccountResponseSchema, DataExportSchema } from '../../../../domain/api/account-data';
import { SendSmsCodeResponseSchema } from '../../../../domain/api/auth';
import { requestCancellation, sendCancellationCode } from '../../../services/accounts/account-erasure';
import { exportMyData } from '../../../services/accounts/data-export';
import { defineRoute } from '../../route';
import { noStore, requestMeta } from '../auth/request-meta';

export const getMyDataExport = defineRoute({
  method: 'get',
  path: '/api/me/data-export',
  operationId: 'exportMyData',
  summary: '我的数据: a copy of everything held about the family (ID numbers and phones masked); audited',
  tags: ['me'],
  access: 'authenticated',
  responses: { 200: { description: 'The copy', schema: DataExportSchema } },
  handler: async ({ koa, app, auth }) => {
    const copy = await exportMyData(app, auth!.account.id, requestMeta(koa));
    noStore(koa);
    koa.set('Content-Disposition', 'inline; filename="educard-my-data.json"');
    koa.body = copy;
  },
});

export const postMyCancellationCode = defineRoute({
  method: 'post',
  path: '/api/me/cancellation/code',
  operationId: 'sendCancellationCode',
  summary: '注销账号, step 1: a cancel_account code to the bound phone',
  tags: ['me'],
  access: 'authenticated',
  responses: {
    200: { description: 'Sent', schema: SendSmsCodeResponseSchema },
    403: { description: 'FORBIDDEN: staff accounts are ended by their school' },
    409: { description: 'PHONE_NOT_BOUND' },
    429: { description: 'RATE_LIMITED, with Retry-After' },
  },
  handler: async ({ koa, app, auth }) => {
    const sent = await sendCancellationCode(app, auth!.account.id, requestMeta(koa));
    noStore(koa);
    koa.body = sent;
  },
});

export const postMyCancellation = defineRoute({
  method: 'post',
  path: '/api/me/cancellation',
  operationId: 'cancelAccount',
  summary: '注销账号: password + SMS code; the data is erased after the cool-off (ACCOUNT_CANCEL_COOLOFF_DAYS, 0: at once) and the cards revoked',
  tags: ['me'],
  access: 'authenticated',
  body: CancelAccountRequestSchema,
  responses: {
    200: { description: 'Erased, or scheduled (every session revoked; signing in again withdraws it)', schema: CancelAccountResponseSchema },
    400: { description: 'CURRENT_PASSWORD_WRONG (password), SMS_CODE_INVALID (smsCode) or VALIDATION_FAILED' },
    403: { description: 'FORBIDDEN: staff accounts are ended by their school' },
    409: { description: 'PHONE_NOT_BOUND' },
    429: { description: 'RATE_LIMITED after 5 wrong passwords in 15 minutes' },
  },
  handler: async ({ koa, app, auth, input }) => {
    const result = await requestCancellation(app, { accountId: auth!.account.id, ...input.body }, requestMeta(koa));
    noStore(koa);
    koa.body = result;
  },
});
