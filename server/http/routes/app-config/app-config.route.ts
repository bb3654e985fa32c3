import { AppConfigResponseSchema, type AppConfigResponse } from '../../../../domain/api/app-config';
import { defineRoute } from '../../route';

export const getAppConfig = defineRoute({
  method: 'get',
  path: '/api/app-config',
  operationId: 'getAppConfig',
  summary: 'Public settings shown by the pages: customer-service contacts',
  tags: ['system'],
  access: 'public',
  responses: { 200: { description: 'Settings', schema: AppConfigResponseSchema } },
  handler: ({ koa, app }) => {
    const body: AppConfigResponse = {
      support: { hotline: app.config.SUPPORT_HOTLINE, email: app.config.SUPPORT_EMAIL, qq: app.config.SUPPORT_QQ },
      devTools: app.config.NODE_ENV !== 'production',
      accountCancelCoolOffDays: app.config.ACCOUNT_CANCEL_COOLOFF_DAYS,
    };
    koa.set('Cache-Control', 'public, max-age=300');
    koa.body = body;
  },
});
