/**
 * The route table: every API route, in one list. The router, the OpenAPI
 * document and (later) the authorization matrix test are generated from it.
 */
import { buildOpenApiDocument } from '../openapi';
import { defineRoute, type AnyRoute } from '../route';
import { SERVICE_VERSION } from '../../services/health-check';
import { getHealth } from './health/health.route';

const resourceRoutes: AnyRoute[] = [getHealth];

let document: Record<string, unknown> | undefined;

const getOpenApi = defineRoute({
  method: 'get',
  path: '/api/openapi.json',
  operationId: 'getOpenApi',
  summary: 'The OpenAPI 3.1 document of this API',
  tags: ['system'],
  access: 'public',
  responses: { 200: { description: 'OpenAPI 3.1 document' } },
  handler: ({ koa }) => {
    document ??= buildOpenApiDocument(allRoutes, { version: SERVICE_VERSION });
    koa.set('Cache-Control', 'no-cache');
    koa.body = document;
  },
});

export const allRoutes: readonly AnyRoute[] = [...resourceRoutes, getOpenApi];
