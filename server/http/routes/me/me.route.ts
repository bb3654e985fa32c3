import { AccountViewSchema, BindWechatRequestSchema, ChangePasswordRequestSchema, SessionResponseSchema } from '../../../../domain/api/auth';
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
