import type { RequestMeta } from '../../../services/accounts/request-meta';
import type { KoaContext } from '../../route';

/** Client IP (koa's ctx.ip: the TRUST_PROXY-th entry from the right of X-Forwarded-For, or the socket's address), request id and user agent. */
export function requestMeta(koa: KoaContext): RequestMeta {
  const userAgent = koa.get('User-Agent');
  return { ip: koa.ip, requestId: koa.state.requestId, userAgent: userAgent ? userAgent.slice(0, 256) : null };
}

/** Responses with tokens, codes or personal data are never cached. */
export function noStore(koa: KoaContext): void {
  koa.set('Cache-Control', 'no-store');
}
