import {
  AccountViewSchema,
  BindWechatRequestSchema,
  ChangePasswordRequestSchema,
  ChangePhoneRequestSchema,
  OkResponseSchema,
  SendSmsCodeResponseSchema,
  SessionResponseSchema,
} from '../../../../domain/api/auth';
import { changePhone, sendOldPhoneCode } from '../../../services/accounts/change-phone';
import { cancelOpenRecoveryRequests } from '../../../services/accounts/recovery-requests';
import { loadAccount, presentAccount } from '../../../services/accounts/account-view';
import { bindWechat } from '../../../services/accounts/bind-wechat';
import { changePassword } from '../../../services/accounts/change-password';
import { defineRoute } from '../../route';
import { noStore, requestMeta } from '../auth/request-meta';

export const getMe = defineRoute({
  method: 'get',
  path: '/api/me',
  operationId: 'getMe',
  summary: 'The signed-in account (phone masked)',
  tags: ['me'],
  access: 'authenticated',
  responses: { 200: { description: 'The account', schema: AccountViewSchema } },
  handler: async ({ koa, app, auth }) => {
    const account = await loadAccount(app.db, auth!.account.id);
    noStore(koa);
    koa.body = presentAccount(app, account);
  },
});

export const postMyPassword = defineRoute({
  method: 'post',
  path: '/api/me/password',
  operationId: 'changePassword',
  summary: 'Change the password: every session is revoked and a new one returned',
  tags: ['me'],
  access: 'authenticated',
  body: ChangePasswordRequestSchema,
  responses: {
    200: { description: 'Changed; the new session replaces the old token', schema: SessionResponseSchema },
    400: { description: 'CURRENT_PASSWORD_WRONG or VALIDATION_FAILED' },
    429: { description: 'RATE_LIMITED after 5 wrong current passwords in 15 minutes' },
  },
  handler: async ({ koa, app, auth, input }) => {
    const session = await changePassword(
      app,
      { accountId: auth!.account.id, sessionId: auth!.sessionId, ...input.body },
      requestMeta(koa),
    );
    noStore(koa);
    koa.body = session;
  },
});

export const postMyWechat = defineRoute({
  method: 'post',
  path: '/api/me/wechat',
  operationId: 'bindWechat',
  summary: 'Bind the signed-in account to the WeChat user of a wx.login code',
  tags: ['me', 'wechat'],
  access: 'authenticated',
  body: BindWechatRequestSchema,
  responses: {
    200: { description: 'Bound', schema: AccountViewSchema },
    400: { description: 'WECHAT_CODE_INVALID' },
    409: { description: 'WECHAT_ALREADY_BOUND: this WeChat user holds another account' },
    503: { description: 'WECHAT_UNAVAILABLE' },
  },
  handler: async ({ koa, app, auth, input }) => {
    const account = await bindWechat(app, { accountId: auth!.account.id, code: input.body.code }, requestMeta(koa));
    noStore(koa);
    koa.body = account;
  },
});

export const postMyPhoneCode = defineRoute({
  method: 'post',
  path: '/api/me/phone/code',
  operationId: 'sendOldPhoneCode',
  summary: '更换手机号, step 1: a change_phone code to the bound (old) phone',
  tags: ['me'],
  access: 'authenticated',
  responses: {
    200: { description: 'Sent', schema: SendSmsCodeResponseSchema },
    409: { description: 'PHONE_NOT_BOUND' },
    429: { description: 'RATE_LIMITED, with Retry-After' },
  },
  handler: async ({ koa, app, auth }) => {
    const sent = await sendOldPhoneCode(app, auth!.account.id, requestMeta(koa));
    noStore(koa);
    koa.body = sent;
  },
});

export const postMyPhone = defineRoute({
  method: 'post',
  path: '/api/me/phone',
  operationId: 'changePhone',
  summary: '更换手机号: codes to the old and the new phone (purpose change_phone); the old phone and WeChat are told',
  tags: ['me'],
  access: 'authenticated',
  body: ChangePhoneRequestSchema,
  responses: {
    200: { description: 'Changed', schema: AccountViewSchema },
    400: { description: 'SMS_CODE_INVALID (oldSmsCode or newSmsCode), PHONE_SAME or VALIDATION_FAILED' },
    409: { description: 'PHONE_NOT_BOUND' },
  },
  handler: async ({ koa, app, auth, input }) => {
    const account = await changePhone(app, { accountId: auth!.account.id, ...input.body }, requestMeta(koa));
    noStore(koa);
    koa.body = account;
  },
});

export const postMyRecoveryCancel = defineRoute({
  method: 'post',
  path: '/api/me/recovery-requests/cancel',
  operationId: 'cancelMyRecoveryRequests',
  summary: "Cancel every open manual recovery request (人工找回) of the caller's account",
  tags: ['me'],
  access: 'authenticated',
  responses: { 200: { description: 'Cancelled (or none was open)', schema: OkResponseSchema } },
  handler: async ({ koa, app, auth }) => {
    await cancelOpenRecoveryRequests(app, auth!.account, 'owner', requestMeta(koa));
    noStore(koa);
    koa.body = { ok: true };
  },
});
