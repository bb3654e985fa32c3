/**
 * Pages that are not the console SPA's own but need an operator's session:
 * the queues (bull-board at /console/queues) and, in production, the API docs
 * (/api/docs). A browser does not send the console's bearer token to a page it
 * navigates to, and the token must never travel in a URL; so the signed-in
 * console asks POST /api/console/staff-pages-session for a cookie:
 *
 *   educard_staff_pages = <session id>.<expiry (unix s)>.<HMAC>
 *
 * HttpOnly (no script reads it), SameSite=Strict (no other site's page or
 * link carries it, so bull-board's actions cannot be forged cross-site),
 * Secure in production, valid STAFF_PAGES_COOKIE_SECONDS and never longer than
 * the console session it came from: each request re-checks that session
 * (active, console channel, operator) in the database, so signing out or the
 * session idling out ends the cookie too. The API itself never accepts it.
 */
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Middleware } from 'koa';
import type { AppContext } from '../../context';
import { accounts, sessions } from '../../db/schema';
import { purposeHmac, safeEqual } from '../../security/tokens';
import type { AuthState } from '../route';

export const STAFF_PAGES_COOKIE = 'educard_staff_pages';
export const STAFF_PAGES_COOKIE_SECONDS = 600;
export const QUEUES_PATH = '/console/queues';

function signature(app: Pick<AppContext, 'config'>, sessionId: string, expires: number): string {
  return purposeHmac(app.config.SESSION_SECRET, 'staff-pages-cookie', `${sessionId}.${expires}`);
}

/** The Set-Cookie value for this console session. */
export function staffPagesCookie(app: Pick<AppContext, 'config'>, auth: AuthState, now = Date.now()): { value: string; maxAge: number } {
  const sessionEnds = auth.expiresAt ? Math.floor(auth.expiresAt.getTime() / 1000) : Infinity;
  const expires = Math.min(Math.floor(now / 1000) + STAFF_PAGES_COOKIE_SECONDS, sessionEnds);
  return { value: `${auth.sessionId}.${expires}.${signature(app, auth.sessionId, expires)}`, maxAge: Math.max(0, expires - Math.floor(now / 1000)) };
}

/** The operator behind a cookie value, or null (bad signature, expired, session gone, not an operator). */
export async function operatorOfCookie(app: Pick<AppContext, 'config' | 'db'>, value: string | undefined): Promise<{ accountId: string } | null> {
  if (!value) return null;
  const m = /^([0-9a-f-]{36})\.(\d{10})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!m) return null;
  const [, sessionId, exp, mac] = m as unknown as [string, string, string, string];
  if (!safeEqual(mac, signature(app, sessionId, Number(exp)))) return null;
  if (Number(exp) * 1000 <= Date.now()) return null;
  const [row] = await app.db
    .select({ accountId: accounts.id })
    .from(sessions)
    .innerJoin(accounts, eq(accounts.id, sessions.accountId))
    .where(
      and(
        eq(sessions.id, sessionId),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, new Date()),
        eq(sessions.channel, 'console'),
        eq(accounts.status, 'active'),
        eq(accounts.role, 'operator'),
        eq(accounts.passwordChangeRequired, false),
      ),
    );
  return row ?? null;
}

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/**
 * Let requests under these path prefixes through only with a valid operator
 * cookie; others get a small Chinese page pointing to the console (401).
 */
export function requireOperatorCookie(app: Pick<AppContext, 'config' | 'db'>, prefixes: readonly string[]): Middleware {
  return async function operatorCookieGate(ctx, next) {
    if (!prefixes.some((p) => under(ctx.path, p))) return next();
    const operator = await operatorOfCookie(app, ctx.cookies.get(STAFF_PAGES_COOKIE));
    if (!operator) {
      ctx.status = 401;
      ctx.set('Cache-Control', 'no-store');
      ctx.type = 'text/html; charset=utf-8';
      ctx.body =
        '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>需要登录</title>' +
        '<p>此页面仅供教育卡管理中心使用：请先登录<a href="/console/">管理后台</a>，再从后台菜单打开。</p></html>';
      return;
    }
    ctx.set('Cache-Control', 'no-store');
    await next();
  };
}
