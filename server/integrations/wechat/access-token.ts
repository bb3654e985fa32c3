/**
 * WeChat access tokens (DOMAIN.md §2), one per appid: the mini-program and the
 * official account each have their own.
 *
 * - Fetched with `POST cgi-bin/stable_token` (normal mode: WeChat returns the
 *   same token while it is valid, so two fetchers never invalidate each other).
 * - Cached in Redis under `<prefix>:wechat:token:<appid>` with
 *   TTL = expires_in − refresh margin, shared by every process.
 * - Single-flight refresh: one in-flight promise per appid in a process, and a
 *   short Redis lock (SET NX PX) across processes; the others poll Redis briefly
 *   for the new token.
 * - When Redis is down, an in-process cache keeps sign-in working (with a warning).
 * - `invalidate(kind, failedToken)` drops the cached token only when it is still
 *   the one that failed, so a token another process has just refreshed survives.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../logging/logger';
import type { Redis } from '../../redis';
import { WechatApiError, WechatUnavailableError } from './wechat-client';
import { wechatHttpRequest, type WechatHttpAnswer } from './wechat-http';

export type TokenKind = 'mp' | 'oa';

export interface AppCredentials {
  appid: string;
  secret: string;
}

export interface AccessTokensOptions {
  apiBase: string;
  apps: Record<TokenKind, AppCredentials>;
  redis: Redis;
  /** QUEUE_PREFIX: keys are `<prefix>:wechat:token:<appid>`. */
  prefix: string;
  /** WECHAT_TOKEN_REFRESH_MARGIN_S. */
  refreshMarginS: number;
  logger: Logger;
  /** Timeout of one stable_token request. */
  timeoutMs?: number;
  /** How long the cross-process refresh lock lives (it is released as soon as the token is stored). */
  lockTtlMs?: number;
  /** How long a process that lost the lock polls Redis before fetching the token itself. */
  lockWaitMs?: number;
  /** Milliseconds clock, for tests. */
  now?: () => number;
}

export interface AccessTokens {
  /** A valid token for the app: Redis, else one refresh (single-flight). */
  get(kind: TokenKind): Promise<string>;
  /**
   * Drop the cached token. With `failedToken`, only when the cache still holds
   * that token (compare-and-delete); without arguments, every token (tests).
   */
  invalidate(kind?: TokenKind, failedToken?: string): Promise<void>;
}

/** Compare-and-delete: drop the key only when it still holds the given value. */
const DELETE_IF_EQUALS = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** A token's Redis TTL: expires_in minus the margin, but never so short the cache is useless. */
export function tokenTtlSeconds(expiresIn: number, marginS: number): number {
  const ttl = expiresIn - marginS;
  return ttl >= 30 ? ttl : Math.max(1, Math.floor(expiresIn / 2));
}

export function tokenRedisKey(prefix: string, appid: string): string {
  return `${prefix}:wechat:token:${appid}`;
}

interface MemoryEntry {
  token: string;
  expiresAt: number;
}

export function createAccessTokens(options: AccessTokensOptions): AccessTokens {
  const { redis, logger, prefix } = options;
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const lockTtlMs = options.lockTtlMs ?? 10_000;
  const lockWaitMs = options.lockWaitMs ?? 3_000;
  /** Fallback cache, used when Redis does not answer. */
  const memory = new Map<string, MemoryEntry>();
  const inFlight = new Map<string, Promise<string>>();
  let redisWarned = false;

  const keyOf = (appid: string) => tokenRedisKey(prefix, appid);
  const lockKeyOf = (appid: string) => `${keyOf(appid)}:lock`;

  function redisDown(err: unknown): void {
    // One warning per outage, not one per request.
    if (!redisWarned) {
      redisWarned = true;
      logger.warn({ err }, 'Redis unavailable: WeChat access tokens fall back to an in-process cache');
    }
  }

  function fromMemory(appid: string): string | undefined {
    const entry = memory.get(appid);
    if (entry && entry.expiresAt > now()) return entry.token;
    return undefined;
  }

  async function fromRedis(appid: string): Promise<string | null> {
    const value = await redis.get(keyOf(appid));
    redisWarned = false;
    return value;
  }

  async function fetchStableToken(app: AppCredentials): Promise<{ token: string; ttlS: number }> {
    const api = 'cgi-bin/stable_token';
    let response: WechatHttpAnswer;
    try {
      response = await wechatHttpRequest(new URL('/cgi-bin/stable_token', options.apiBase), {
        method: 'POST',
        body: { grant_type: 'client_credential', appid: app.appid, secret: app.secret, force_refresh: false },
        timeoutMs,
      });
    } catch (err) {
      throw new WechatUnavailableError(api, err);
    }
    if (response.status < 200 || response.status > 299) throw new WechatUnavailableError(api, new Error(`HTTP ${response.status}`));
    let body: { access_token?: unknown; expires_in?: unknown; errcode?: unknown; errmsg?: unknown };
    try {
      body = JSON.parse(response.body) as typeof body;
    } catch (err) {
      throw new WechatUnavailableError(api, err);
    }
    if (typeof body.errcode === 'number' && body.errcode !== 0) {
      throw new WechatApiError(api, body.errcode, String(body.errmsg ?? ''));
    }
    if (typeof body.access_token !== 'string' || typeof body.expires_in !== 'number') {
      throw new WechatUnavailableError(api, new Error('stable_token answer without access_token'));
    }
    const ttlS = tokenTtlSeconds(body.expires_in, options.refreshMarginS);
    logger.info({ appid: app.appid, ttlS }, 'WeChat access token fetched');
    return { token: body.access_token, ttlS };
  }

  function remember(appid: string, token: string, ttlS: number): void {
    memory.set(appid, { token, expiresAt: now() + ttlS * 1000 });
  }

  /** Fetch without Redis (Redis is down): the in-process single-flight still applies. */
  async function refreshWithoutRedis(app: AppCredentials): Promise<string> {
    const { token, ttlS } = await fetchStableToken(app);
    remember(app.appid, token, ttlS);
    return token;
  }

  async function waitForOtherProcess(appid: string): Promise<string | null> {
    const deadline = now() + lockWaitMs;
    while (now() < deadline) {
      await sleep(50);
      const token = await fromRedis(appid);
      if (token) return token;
    }
    return null;
  }

  async function refresh(app: AppCredentials): Promise<string> {
    const lockKey = lockKeyOf(app.appid);
    const lockValue = randomUUID();
    let locked: boolean;
    try {
      locked = (await redis.set(lockKey, lockValue, 'PX', lockTtlMs, 'NX')) === 'OK';
    } catch (err) {
      redisDown(err);
      return refreshWithoutRedis(app);
    }
    if (!locked) {
      try {
        const token = await waitForOtherProcess(app.appid);
        if (token) {
          remember(app.appid, token, 60);
          return token;
        }
      } catch (err) {
        redisDown(err);
        return refreshWithoutRedis(app);
      }
      // The lock holder died or is slow: normal-mode stable_token is safe to call concurrently.
      logger.warn({ appid: app.appid }, 'WeChat token refresh lock held too long; fetching the token directly');
    }
    try {
      if (locked) {
        // Another process may have stored a token between our read and our lock.
        const existing = await fromRedis(app.appid).catch(() => null);
        if (existing) return existing;
      }
      const { token, ttlS } = await fetchStableToken(app);
      remember(app.appid, token, ttlS);
      await redis.set(keyOf(app.appid), token, 'EX', ttlS).catch(redisDown);
      return token;
    } finally {
      if (locked) await redis.eval(DELETE_IF_EQUALS, 1, lockKey, lockValue).catch(() => undefined);
    }
  }

  async function get(kind: TokenKind): Promise<string> {
    const app = options.apps[kind];
    try {
      const cached = await fromRedis(app.appid);
      if (cached) return cached;
    } catch (err) {
      redisDown(err);
      const cached = fromMemory(app.appid);
      if (cached) return cached;
    }
    let pending = inFlight.get(app.appid);
    if (!pending) {
      pending = refresh(app).finally(() => inFlight.delete(app.appid));
      inFlight.set(app.appid, pending);
    }
    return pending;
  }

  async function invalidateOne(appid: string, failedToken?: string): Promise<void> {
    const entry = memory.get(appid);
    if (entry && (failedToken === undefined || entry.token === failedToken)) memory.delete(appid);
    try {
      if (failedToken === undefined) await redis.del(keyOf(appid));
      else await redis.eval(DELETE_IF_EQUALS, 1, keyOf(appid), failedToken);
    } catch (err) {
      redisDown(err);
    }
  }

  return {
    get,
    async invalidate(kind, failedToken) {
      const kinds: TokenKind[] = kind ? [kind] : ['mp', 'oa'];
      for (const k of kinds) await invalidateOne(options.apps[k].appid, failedToken);
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
