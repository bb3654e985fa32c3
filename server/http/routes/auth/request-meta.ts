import type { RequestMeta } from '../../../services/accounts/request-meta';
import type { KoaContext } from '../../route';

/** Client IP (koa's ctx.ip honours X-Forwarded-For only when TRUST_PROXY is on), request id and user agent. */
export function requestMeta(koa: KoaContext): RequestMeta {
  const userAgent = koa.get('User-Agent');
  return { ip: koa.ip, requestId: koa.state.requestId, userAgent: userAgent ? userAgent.slice(0, 256) : null };
}

/** Responses with tokens, codes or personal data are never cached. */
export function noStore(koa: KoaContext): void {
  koa.set('Cache-Control', 'no-store');
}
