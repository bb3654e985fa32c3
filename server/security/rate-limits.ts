/**
 * Rate limits on Redis (rate-limiter-flexible), shared by every API process.
 * Each limiter has an in-memory insurance limiter with the same rule: when
 * Redis does not answer, limits are enforced per process instead of failing
 * the request (degrade, don't break). Keys live under `<QUEUE_PREFIX>:rl:<name>:`.
 */
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError, type ErrorCode } from '../../domain/errors';
import type { Redis } from '../redis';

export interface LimitRule {
  /** Part of the Redis key; unique per limiter. */
  name: string;
  points: number;
  durationSeconds: number;
}

export interface LimitState {
  consumed: number;
  /** Milliseconds until the window (or block) ends. */
  msBeforeNext: number;
}

export class Limiter {
  private readonly limiter: RateLimiterRedis;
  readonly keyPrefix: string;

  constructor(
    redis: Redis,
    prefix: string,
    readonly rule: LimitRule,
  ) {
    this.keyPrefix = `${prefix}:rl:${rule.name}`;
    const insurance = new RateLimiterMemory({ keyPrefix: this.keyPrefix, points: rule.points, duration: rule.durationSeconds });
    this.limiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: this.keyPrefix,
      points: rule.points,
      duration: rule.durationSeconds,
      rejectIfRedisNotReady: true,
      insuranceLimiter: insurance,
    });
  }

  /** The Redis key of `key` (for tests and operators). */
  redisKey(key: string): string {
    return `${this.keyPrefix}:${key}`;
  }

  /** Take one point; null when allowed, else the seconds to wait. */
  async consume(key: string, points = 1): Promise<number | null> {
    try {
      await this.limiter.consume(key, points);
      return null;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw rejection;
    }
  }

  /** Take one point or throw 429 (RATE_LIMITED unless another code is given) with Retry-After. */
  async consumeOrThrow(key: string, code: ErrorCode = 'RATE_LIMITED'): Promise<void> {
    const wait = await this.consume(key);
    if (wait !== null) throw rateLimitedError(wait, code);
  }

  /** Throw 429 when the points are used up, without taking one (for limits that count only failures, see add). */
  async checkOrThrow(key: string, code: ErrorCode = 'RATE_LIMITED'): Promise<void> {
    const state = await this.get(key);
    if (state && state.consumed >= this.rule.points) throw rateLimitedError(Math.max(1, Math.ceil(state.msBeforeNext / 1000)), code);
  }

  async get(key: string): Promise<LimitState | null> {
    const res = await this.limiter.get(key);
    return res ? { consumed: res.consumedPoints, msBeforeNext: res.msBeforeNext } : null;
  }

  /** Record one more use without rejecting (for counters read with get). */
  async add(key: string): Promise<LimitState> {
    try {
      const res = await this.limiter.penalty(key, 1);
      return { consumed: res.consumedPoints, msBeforeNext: res.msBeforeNext };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return { consumed: rejection.consumedPoints, msBeforeNext: rejection.msBeforeNext };
      throw rejection;
    }
  }

  async block(key: string, seconds: number): Promise<void> {
    await this.limiter.block(key, seconds);
  }

  async delete(key: string): Promise<void> {
    await this.limiter.delete(key);
  }
}

/** "56 秒" / "15 分钟" / "3 小时": how long to wait, for people. */
export function waitPhrase(seconds: number): string {
  if (seconds <= 60) return `${Math.max(1, Math.ceil(seconds))} 秒`;
  if (seconds < 3600) return `${Math.ceil(seconds / 60)} 分钟`;
  return `${Math.ceil(seconds / 3600)} 小时`;
}

/** A 429 that says when to retry: Retry-After in seconds and the wait in the Chinese message. */
export function rateLimitedError(retryAfterSeconds: number, code: ErrorCode = 'RATE_LIMITED'): AppError {
  const when = waitPhrase(retryAfterSeconds);
  const message =
    code === 'ACCOUNT_LOCKED'
      ? `密码错误次数过多，已暂时锁定，请 ${when}后再试或找回密码`
      : `操作过于频繁，请 ${when}后再试`;
  return new AppError(code, { message, retryAfterSeconds });
}
