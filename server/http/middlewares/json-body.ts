import { bodyParser } from '@koa/bodyparser';
import type { Middleware } from 'koa';
import { AppError } from '../../../domain/errors';

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * JSON bodies only, up to `limit`. A body of another content type is refused
 * with 415, malformed JSON with 400, a body over the limit with 413. Paths in
 * `skip` (routes declared with `rawBody`: uploads, signed notifications) are left unread for their handler.
 */
export function jsonBody(limit: string, options: { skip?: (path: string) => boolean } = {}): Middleware {
  const parse = bodyParser({
    enableTypes: ['json'],
    jsonLimit: limit,
    encoding: 'utf-8',
    // Called for parse failures only (errors of later middleware pass through untouched).
    onError: (err) => {
      const status = (err as { status?: number }).status;
      if (status === 413) throw new AppError('PAYLOAD_TOO_LARGE');
      if (status === 415) throw new AppError('UNSUPPORTED_MEDIA_TYPE');
      throw new AppError('BAD_JSON');
    },
  });
  return async function parseJsonBody(ctx, next) {
    if (!METHODS_WITH_BODY.has(ctx.method) || !ctx.path.startsWith('/api/') || options.skip?.(ctx.path)) return next();
    const hasBody = Number(ctx.get('Content-Length') || 0) > 0 || ctx.get('Transfer-Encoding') !== '';
    if (hasBody && !ctx.is('application/json')) throw new AppError('UNSUPPORTED_MEDIA_TYPE');
    return parse(ctx, next);
  };
}
