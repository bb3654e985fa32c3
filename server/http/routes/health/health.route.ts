import { HealthResponseSchema, type HealthResponse } from '../../../../domain/api/health';
import { defineRoute } from '../../route';
import { checkHealth } from '../../../services/health-check';

export const getHealth = defineRoute({
  method: 'get',
  path: '/api/health',
  operationId: 'getHealth',
  summary: 'Service status: database and Redis',
  tags: ['system'],
  access: 'public',
  responses: {
    200: { description: 'Every dependency answers', schema: HealthResponseSchema },
    503: { description: 'A dependency does not answer', schema: HealthResponseSchema },
  },
  handler: async ({ koa, app }) => {
    const body: HealthResponse = await checkHealth(app);
    koa.status = body.status === 'ok' ? 200 : 503;
    koa.set('Cache-Control', 'no-store');
    koa.body = body;
  },
});
