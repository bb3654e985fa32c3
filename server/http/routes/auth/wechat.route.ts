import {
  WechatLoginRequestSchema,
  WechatLoginResponseSchema,
  WechatPhoneRequestSchema,
  WechatPhoneResponseSchema,
} from '../../../../domain/api/auth';
import { wechatLogin } from '../../../services/accounts/wechat-login';
import { wechatPhoneTicket } from '../../../services/accounts/wechat-phone';
import { defineRoute } from '../../route';
import { noStore, requestMeta } from './request-meta';

export const postWechatLogin = defineRoute({
  method: 'post',
  path: '/api/auth/wechat/login',
  operationId: 'wechatLogin',
  summary: 'Mini-program sign-in with a wx.login code: a session when bound, else a ticket to bind at registration',
  tags: ['auth', 'wechat'],
  access: 'public',
  body: WechatLoginRequestSchema,
  responses: {
    200: { description: 'bound: true with a session, or bound: false with a wechatTicket', schema: WechatLoginResponseSchema },
    400: { description: 'WECHAT_CODE_INVALID' },
    503: { description: 'WECHAT_UNAVAILABLE' },
  },
  handler: async ({ koa, app, input }) => {
    const result = await wechatLogin(app, input.body, requestMeta(koa));
    noStore(koa);
    koa.body = result;
  },
});

export const postWechatPhone = defineRoute({
  method: 'post',
  path: '/api/auth/wechat/phone',
  operationId: 'wechatPhone',
  summary: 'Phone number from the WeChat phone button → a phone ticket usable instead of an SMS code at registration',
  tags: ['auth', 'wechat'],
  access: 'public',
  body: WechatPhoneRequestSchema,
  responses: {
    200: { description: 'Phone ticket (10 minutes, single use)', schema: WechatPhoneResponseSchema },
    400: { description: 'WECHAT_CODE_INVALID or PHONE_FORMAT' },
    503: { description: 'WECHAT_UNAVAILABLE' },
  },
  handler: async ({ koa, app, input }) => {
    const result = await wechatPhoneTicket(app, input.body, requestMeta(koa));
    noStore(koa);
    koa.body = result;
  },
});
