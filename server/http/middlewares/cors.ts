import type { Middleware } from 'koa';

/**
 * CORS for an allow-list of origins. The H5 build is same-origin and needs none;
 * any other origin gets no CORS headers, so browsers refuse to hand it responses.
 * Credentials are never allowed cross-origin: the session token travels in the
 * Authorization header, which a foreign page cannot read or set for our origin.
 */
export function cors(allowedOrigins: readonly string[]): Middleware {
  const allowed = new Set(allowedOrigins);
  return async function applyCors(ctx, next) {
    const origin = ctx.get('Origin');
    ctx.vary('Origin');
    if (origin && allowed.has(origin)) {
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.set('Access-Control-Expose-Headers', 'X-Request-Id');
      if (ctx.method === 'OPTIONS' && ctx.get('Access-Control-Request-Method')) {
        ctx.set('Access-Control-Allow-Methods', 'GET,POST,PUT,PATCH,DELETE');
        ctx.set('Access-Control-Allow-Headers', 'Authorization,Content-Type,X-Request-Id');
        ctx.set('Access-Control-Max-Age', '600');
        ctx.status = 204;
        return;
      }
    }
    await next();
  };
}
