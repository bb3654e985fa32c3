import {
  HealthResponseSchema,
  LivenessResponseSchema,
  ReadinessResponseSchema,
  type HealthResponse,
} from '../../../../domain/api/health';
import { defineRoute } from '../../route';
import { checkHealth, checkLiveness, checkReadiness } from '../../../services/health/health-check';

/**
 * The status report the home page shows (every dependency, 503 when one is down). Load balancers and
 * Kubernetes probe /api/health/live and /api/health/ready instead: Redis down must not take the API out.
 */
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

export const getLiveness = defineRoute({
  method: 'get',
  path: '/api/health/live',
  operationId: 'getLiveness',
  summary: 'Liveness probe: the process answers',
  tags: ['system'],
  access: 'public',
  responses: { 200: { description: 'The process is running', schema: LivenessResponseSchema } },
  handler: ({ koa }) => {
    koa.set('Cache-Control', 'no-store');
    koa.body = checkLiveness();
  },
});

export const getReadiness = defineRoute({
  method: 'get',
  path: '/api/health/ready',
  operationId: 'getReadiness',
  summary: 'Readiness probe: the database answers (Redis or workers down = degraded, still ready)',
  tags: ['system'],
  access: 'public',
  responses: {
    200: { description: 'Ready: ok, or degraded when Redis or the workers do not answer', schema: ReadinessResponseSchema },
    503: { description: 'The database does not answer', schema: ReadinessResponseSchema },
  },
  handler: async ({ koa, app }) => {
    const { httpStatus, body } = await checkReadiness(app, { workers: true });
    koa.status = httpStatus;
    koa.set('Cache-Control', 'no-store');
    koa.body = body;
  },
});

export const healthRoutes = [getHealth, getLiveness, getReadiness];
