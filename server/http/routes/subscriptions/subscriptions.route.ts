/**
 * /api/subscriptions: one-time subscribe-message grants (wx.requestSubscribeMessage).
 * GET tells a page which template ids to request on its submit tap; POST
 * records the popup's result object (each accept = one message we may send).
 */
import { RecordSubscriptionsRequestSchema, SubscriptionsResponseSchema } from '../../../../domain/messaging/subscriptions';
import { recordSubscribeResults, subscriptionsOf } from '../../../services/messaging/grants';
import { defineRoute } from '../../route';
import { noStore } from '../auth/request-meta';

const tags = ['subscriptions'];

export const getSubscriptions = defineRoute({
  method: 'get',
  path: '/api/subscriptions',
  operationId: 'getSubscriptions',
  summary: "The caller's unused subscribe-message grants per template, and the ids to request",
  tags,
  access: 'authenticated',
  responses: { 200: { description: 'Grants', schema: SubscriptionsResponseSchema } },
  handler: async ({ koa, app, auth }) => {
    noStore(koa);
    koa.body = await subscriptionsOf(app.db, app.config, { id: auth!.account.id, role: auth!.account.role });
  },
});

export const postSubscriptions = defineRoute({
  method: 'post',
  path: '/api/subscriptions',
  operationId: 'recordSubscriptions',
  summary: 'Record the result of wx.requestSubscribeMessage ({ results: { [templateId]: accept | reject | ban | filter } })',
  tags,
  access: 'authenticated',
  body: RecordSubscriptionsRequestSchema,
  responses: {
    200: { description: 'Recorded; unknown template ids and other keys (errMsg) are ignored', schema: SubscriptionsResponseSchema },
    400: { description: 'VALIDATION_FAILED' },
  },
  handler: async ({ koa, app, auth, input }) => {
    const account = { id: auth!.account.id, role: auth!.account.role };
    await recordSubscribeResults(app.db, app.config, account.id, input.body.results);
    noStore(koa);
    koa.body = await subscriptionsOf(app.db, app.config, account);
  },
});
