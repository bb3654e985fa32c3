/**
 * Sessions: opaque bearer tokens of 32 random bytes (base64url). The token is
 * shown to the client once; the database keeps only HMAC-SHA256(SESSION_SECRET,
 * token), so neither a database copy nor a log line can be replayed.
 *
 * - Expiry slides: SESSION_TTL_DAYS after the last use. To limit writes, a use
 *   moves `last_seen_at`/`expires_at` only when the last move is older than
 *   SESSION_TOUCH_INTERVAL_MS.
 * - Logout revokes the session; a password change or reset revokes every
 *   session of the account.
 * - Only `active` accounts hold sessions: a disabled (or not yet activated)
 *   account's sessions stop resolving at once.
 */
import { and, eq, gt, isNull } from 'drizzle-orm';
import { SESSION_TTL_DAYS, type AccountRole, type SessionResponse } from '../../../domain/api/auth';
import type { Config } from '../../../config';
import type { AppContext } from '../../context';
import type { DbOrTx } from '../../db/client';
import { accounts, sessions } from '../../db/schema';
import { hmac, newToken, TOKEN_PATTERN } from '../../security/tokens';
import { presentAccount, type AccountRow } from './account-view';
import type { RequestMeta } from './request-meta';
import { withdrawCancellationOnSignIn } from './cancellation-withdrawal';

export const SESSION_TTL_MS = SESSION_TTL_DAYS * 24 * 3600 * 1000;
export const SESSION_TOUCH_INTERVAL_MS = 10 * 60 * 1000;

export type Channel = 'weapp' | 'h5' | 'console';

/**
 * How long a session lives: 7 days sliding for the apps; a console session
 * (school admin, operator, opened with the SMS second factor) idles out after
 * CONSOLE_SESSION_IDLE_MINUTES and ends CONSOLE_SESSION_MAX_HOURS after its
 * sign-in at the latest.
 */
export function sessionExpiry(config: Pick<Config, 'CONSOLE_SESSION_IDLE_MINUTES' | 'CONSOLE_SESSION_MAX_HOURS'>, channel: Channel, createdAt: Date, now: Date): Date {
  if (channel !== 'console') return new Date(now.getTime() + SESSION_TTL_MS);
  const idle = now.getTime() + config.CONSOLE_SESSION_IDLE_MINUTES * 60_000;
  const absolute = createdAt.getTime() + config.CONSOLE_SESSION_MAX_HOURS * 3600_000;
  return new Date(Math.min(idle, absolute));
}

/** Console sessions move their idle expiry at most this often (a tenth of the idle time, at most SESSION_TOUCH_INTERVAL_MS). */
function touchInterval(config: Pick<Config, 'CONSOLE_SESSION_IDLE_MINUTES'>, channel: Channel): number {
  return channel === 'console' ? Math.min(SESSION_TOUCH_INTERVAL_MS, config.CONSOLE_SESSION_IDLE_MINUTES * 6_000) : SESSION_TOUCH_INTERVAL_MS;
}

/** The caller behind a valid token (the HTTP layer's AuthState has this shape). */
export interface ResolvedSession {
  sessionId: string;
  account: { id: string; role: AccountRole; schoolId: string | null };
  channel?: Channel;
  /** The account's password was generated: the console allows only its change. */
  passwordChangeRequired?: boolean;
  expiresAt?: Date;
}

export function sessionTokenHash(app: Pick<AppContext, 'config'>, token: string): string {
  return hmac(app.config.SESSION_SECRET, token);
}

export interface CreatedSession {
  sessionId: string;
  token: string;
  expiresAt: Date;
}

export async function createSession(
  db: DbOrTx,
  app: Pick<AppContext, 'config'>,
  input: { accountId: string; channel: Channel; meta: RequestMeta; now?: Date },
): Promise<CreatedSession> {
  const now = input.now ?? new Date();
  const token = newToken();
  const expiresAt = sessionExpiry(app.config, input.channel, now, now);
  const [row] = await db
    .insert(sessions)
    .values({
      accountId: input.accountId,
      tokenHash: sessionTokenHash(app, token),
      channel: input.channel,
      ip: input.meta.ip,
      userAgent: input.meta.userAgent?.slice(0, 256) ?? null,
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
    })
    .returning({ id: sessions.id });
  return { sessionId: row!.id, token, expiresAt };
}

/** A new session for the account and the response body that hands it over. */
export async function startSession(
  db: DbOrTx,
  app: Pick<AppContext, 'config' | 'pii'>,
  account: AccountRow,
  channel: Channel,
  meta: RequestMeta,
): Promise<SessionResponse> {
  const session = await createSession(db, app, { accountId: account.id, channel, meta });
  await withdrawCancellationOnSignIn(db, app, account, meta);
  return { token: session.token, expiresAt: session.expiresAt.toISOString(), account: presentAccount(app, account) };
}

/**
 * The signed-in caller of a bearer token, or null when the token is malformed,
 * unknown, revoked or expired, or its account is not active. Slides the expiry.
 */
export async function resolveSession(app: Pick<AppContext, 'config' | 'db'>, token: string, now = new Date()): Promise<ResolvedSession | null> {
  if (!TOKEN_PATTERN.test(token)) return null;
  const [row] = await app.db
    .select({
      sessionId: sessions.id,
      lastSeenAt: sessions.lastSeenAt,
      createdAt: sessions.createdAt,
      expiresAt: sessions.expiresAt,
      channel: sessions.channel,
      accountId: accounts.id,
      role: accounts.role,
      schoolId: accounts.schoolId,
      passwordChangeRequired: accounts.passwordChangeRequired,
    })
    .from(sessions)
    .innerJoin(accounts, eq(accounts.id, sessions.accountId))
    .where(
      and(
        eq(sessions.tokenHash, sessionTokenHash(app, token)),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, now),
        eq(accounts.status, 'active'),
      ),
    );
  if (!row) return null;
  let expiresAt = row.expiresAt;
  if (now.getTime() - row.lastSeenAt.getTime() >= touchInterval(app.config, row.channel)) {
    expiresAt = sessionExpiry(app.config, row.channel, row.createdAt, now);
    await app.db
      .update(sessions)
      .set({ lastSeenAt: now, expiresAt })
      .where(and(eq(sessions.id, row.sessionId), isNull(sessions.revokedAt)));
  }
  return {
    sessionId: row.sessionId,
    account: { id: row.accountId, role: row.role, schoolId: row.schoolId },
    channel: row.channel,
    passwordChangeRequired: row.passwordChangeRequired,
    expiresAt,
  };
}

export async function revokeSession(db: DbOrTx, sessionId: string, now = new Date()): Promise<void> {
  await db.update(sessions).set({ revokedAt: now }).where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)));
}

/** Revoke every live session of the account (password changed or reset). */
export async function revokeAllSessions(db: DbOrTx, accountId: string, now = new Date()): Promise<number> {
  const revoked = await db
    .update(sessions)
    .set({ revokedAt: now })
    .where(and(eq(sessions.accountId, accountId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return revoked.length;
}
