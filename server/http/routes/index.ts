/**
 * The route table: every API route, in one list. The router, the OpenAPI
 * document and (later) the authorization matrix test are generated from it.
 * Development-only routes (routes/dev) are left out in production by routesFor.
 */
import type { Config } from '../../../config';
import { buildOpenApiDocument } from '../openapi';
import { defineRoute, type AnyRoute } from '../route';
import { SERVICE_VERSION } from '../../services/health/health-check';
import { getAppConfig } from './app-config/app-config.route';
import { authRoutes } from './auth';
import { commCardRoutes } from './comm-card';
import { consoleRoutes } from './console';
import { developmentRoutes } from './dev';
import { ecardRoutes } from './ecard';
import { healthRoutes } from './health/health.route';
import { meRoutes } from './me';
import { noticeRoutes } from './notices';
import { paymentRoutes } from './payments';
import { recoveryRoutes } from './recovery/recovery.route';
import { reviewRoutes } from './reviews';
import { schoolRoutes } from './schools';
import { studentRoutes } from './students';
import { subscriptionRoutes } from './subscriptions';
import { wechatRoutes } from './wechat';

const resourceRoutes: AnyRoute[] = [...healthRoutes, getAppConfig, ...authRoutes, ...meRoutes, ...studentRoutes, ...schoolRoutes, ...reviewRoutes, ...recoveryRoutes, ...ecardRoutes, ...commCardRoutes, ...paymentRoutes, ...wechatRoutes, ...noticeRoutes, ...subscriptionRoutes, ...consoleRoutes];

const documents = new Map<boolean, Record<string, unknown>>();

const getOpenApi = defineRoute({
  method: 'get',
  path: '/api/openapi.json',
  operationId: 'getOpenApi',
  summary: 'The OpenAPI 3.1 document of this API',
  tags: ['system'],
  access: 'public',
  responses: { 200: { description: 'OpenAPI 3.1 document' } },
  handler: ({ koa, app }) => {
    const production = app.config.NODE_ENV === 'production';
    let document = documents.get(production);
    if (!document) {
      document = buildOpenApiDocument(routesFor(app.config), { version: SERVICE_VERSION });
      documents.set(production, document);
    }
    koa.set('Cache-Control', 'no-cache');
    koa.body = document;
  },
});

/** Every route, development-only ones included. */
export const allRoutes: readonly AnyRoute[] = [...resourceRoutes, ...developmentRoutes, getOpenApi];

const productionRoutes: readonly AnyRoute[] = allRoutes.filter((route) => !developmentRoutes.includes(route));

/** The routes this environment serves: without routes/dev in production. */
export function routesFor(config: Pick<Config, 'NODE_ENV'>): readonly AnyRoute[] {
  return config.NODE_ENV === 'production' ? productionRoutes : allRoutes;
}
