import { CaptchaResponseSchema } from '../../../../domain/api/auth';
import { security } from '../../../security';
import { defineRoute } from '../../route';
import { noStore } from './request-meta';

export const getCaptcha = defineRoute({
  method: 'get',
  path: '/api/auth/captcha',
  operationId: 'getCaptcha',
  summary: 'A new image captcha (answer case-insensitive, single use, 5 minutes)',
  tags: ['auth'],
  access: 'public',
  responses: { 200: { description: 'Captcha id and SVG image', schema: CaptchaResponseSchema } },
  handler: async ({ koa, app }) => {
    const captcha = await security(app).captcha.create();
    noStore(koa);
    koa.body = captcha;
  },
});
