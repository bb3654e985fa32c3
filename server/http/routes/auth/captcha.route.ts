import { CaptchaResponseSchema } from '../../../../domain/api/auth';
import { defineRoute } from '../../route';
import { noStore, requestMeta } from './request-meta';

export const getCaptcha = defineRoute({
  method: 'get',
  path: '/api/auth/captcha',
  operationId: 'getCaptcha',
  summary: 'A new image captcha (answer case-insensitive, single use, 5 minutes)',
  tags: ['auth'],
  access: 'public',
  responses: {
    200: { description: 'Captcha id and SVG image', schema: CaptchaResponseSchema },
    429: { description: 'RATE_LIMITED: 120 captchas per IP per 10 minutes' },
  },
  handler: async ({ koa, app }) => {
    const { limits, captcha: captchas } = app.security;
    await limits.captchaPerIp.consumeOrThrow(requestMeta(koa).ip);
    const captcha = await captchas.create();
    noStore(koa);
    koa.body = captcha;
  },
});
