import type { Middleware } from 'koa';
import type { Metrics } from './metrics';

/**
 * Time every request into educard_http_request_duration_seconds, labelled with
 * the route template the router matched (never the raw path, which would make
 * one series per student id), `unmatched` for other /api paths and `static`
 * for the H5 build. Outermost, so the status is the one the client got.
 */
export function httpMetrics(metrics: Metrics): Middleware {
  return async function recordRequestMetrics(ctx, next) {
    const started = process.hrtime.bigint();
    let status: number | undefined;
    try {
      await next();
      status = ctx.status;
    } catch (err) {
      status = 500;
      throw err;
    } finally {
      const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      const route = typeof matched === 'string' ? matched : ctx.path === '/api' || ctx.path.startsWith('/api/') ? 'unmatched' : 'static';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.httpDuration.observe({ method: ctx.method, route, status: String(status ?? ctx.status) }, seconds);
    }
  };
}
