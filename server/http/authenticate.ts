/**
 * The authentication step every route goes through (createApp calls it before
 * the input is parsed): the bearer token of `Authorization: Bearer <token>`
 * becomes `ctx.state.auth`.
 *
 * - 'public' routes: a token, if sent and valid, is resolved; an invalid one is
 *   ignored (a signed-out page must not break on a stale token).
 * - other routes: no token → 401 UNAUTHENTICATED; an unknown, revoked or
 *   expired token (or one of an account that is no longer active) → 401
 *   SESSION_EXPIRED; a role not listed → 403 FORBIDDEN; a console route with a
 *   session that is not a console one → 403 CONSOLE_SESSION_REQUIRED.
 */
import { AppError } from '../../domain/errors';
import type { AppContext } from '../context';
import { resolveSession } from '../services/accounts/sessions';
import type { AuthState, KoaContext, RouteAccess } from './route';

const BEARER = /^Bearer[ ]+(\S+)[ ]*$/i;

/** The token of an Authorization header, or null when there is none or the scheme is not Bearer. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  return BEARER.exec(header)?.[1] ?? null;
}

export async function authenticate(app: AppContext, access: RouteAccess, koa: KoaContext): Promise<AuthState | null> {
  const token = bearerToken(koa.get('Authorization'));
  const auth = token ? await resolveSession(app, token) : null;
  koa.state.auth = auth;
  if (access === 'public') return auth;
  if (!auth) {
    koa.set('WWW-Authenticate', token ? 'Bearer error="invalid_token"' : 'Bearer');
    throw new AppError(token ? 'SESSION_EXPIRED' : 'UNAUTHENTICATED');
  }
  if (access !== 'authenticated' && !access.roles.includes(auth.account.role)) throw new AppError('FORBIDDEN');
  if (access !== 'authenticated' && access.console) {
    if (auth.channel !== 'console') throw new AppError('CONSOLE_SESSION_REQUIRED');
    if (auth.passwordChangeRequired && access.console !== 'password_change') throw new AppError('PASSWORD_CHANGE_REQUIRED');
  }
  return auth;
}
