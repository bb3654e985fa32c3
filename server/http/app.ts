/**
 * The Koa application: request id and logging, security headers, CORS, the
 * error translator, JSON bodies, the API routes of the route table, and the H5
 * build at `/`. Each route runs authenticate (bearer token → ctx.state.auth,
 * access check) → parseInput (zod) → handler.
 */
import Koa from 'koa';
import Router from '@koa/router';
import { AppError } from '../../domain/errors';
import type { AppContext } from '../context';
import { httpMetrics } from '../metrics/http-metrics';
import { API_DOCS_PATH, apiDocs } from './middlewares/api-docs';
import { queuesBoard } from './middlewares/queues-board';
import { QUEUES_PATH, requireOperatorCookie } from './middlewares/staff-pages';
import { cors } from './middlewares/cors';
import { errorHandler } from './middlewares/error-handler';
import { jsonBody } from './middlewares/json-body';
import { requestContext } from './middlewares/request-context';
import { securityHeaders } from './middlewares/security-headers';
import { staticH5 } from './middlewares/static-h5';
import type { AnyRoute, RequestState } from './route';
import { authenticate } from './authenticate';
import { developmentGuard } from './deployment';
import { routesFor } from './routes';
import { parseInput } from './validate';

export function createApp(app: AppContext, routes: readonly AnyRoute[] = routesFor(app.config)): Koa<RequestState> {
  // Trust exactly TRUST_PROXY proxies: ctx.ip is that many entries from the right of X-Forwarded-For.
  const hops = app.config.TRUST_PROXY;
  const koa = new Koa<RequestState>({ proxy: hops > 0, maxIpsCount: hops });
  koa.silent = true;
  const router = new Router<RequestState>();
  for (const route of routes) {
    router[route.method](route.path, async function handleRoute(ctx) {
      const auth = await authenticate(app, route.access, ctx);
      const input = parseInput(route, ctx);
      await route.handler({ koa: ctx, app, input, auth });
    });
  }

  koa.use(httpMetrics(app.metrics));
  koa.use(requestContext(app.logger));
  koa.use(securityHeaders({ hsts: app.config.NODE_ENV === 'production' }));
  koa.use(cors(app.config.CORS_ORIGINS));
  koa.use(errorHandler(app.logger));
  koa.use(async function attachAppContext(ctx, next) {
    ctx.state.app = app;
    await next();
  });
  // Routes that verify a signature over their exact body read it themselves.
  const rawBodyPaths = routes.filter((route) => route.rawBody).map((route) => new RegExp(`^${route.path.replace(/:[A-Za-z]+/g, '[^/]+')}$`));
  koa.use(jsonBody(app.config.JSON_BODY_LIMIT, { skip: (path) => rawBodyPaths.some((pattern) => pattern.test(path)) }));
  koa.use(developmentGuard(app.config));
  // Pages outside the SPA that need an operator: the queues always, the API docs in production (staff-pages.ts).
  koa.use(requireOperatorCookie(app, app.config.NODE_ENV === 'production' ? [QUEUES_PATH, API_DOCS_PATH] : [QUEUES_PATH]));
  koa.use(apiDocs());
  koa.use(queuesBoard(app));
  koa.use(router.routes());
  koa.use(async function apiNotFound(ctx, next) {
    if (ctx.path !== '/api' && !ctx.path.startsWith('/api/')) return next();
    // The router records routes whose path matched; a match without a handler means the method is wrong.
    const matchedPath = ((ctx as { matched?: unknown[] }).matched ?? []).length > 0;
    throw new AppError(matchedPath ? 'METHOD_NOT_ALLOWED' : 'NOT_FOUND');
  });
  koa.use(staticH5(app.config.CONSOLE_DIST_DIR, { mount: '/console', missingBuild: 'The console build is missing: run `npm run build:console` (npm start builds it automatically).' }));
  koa.use(staticH5(app.config.H5_DIST_DIR));
  return koa;
}
