/**
 * Failed-attempt counting for one login identifier (a normalised username, or a
 * phone's blind index), the same way whether or not an account exists behind it:
 * the answers for "no such user" and "wrong password" can then not differ.
 *
 * - From LOGIN_CAPTCHA_AFTER failures on, every attempt needs a solved captcha.
 * - The LOGIN_LOCK_AFTER-th failure locks the identifier for LOGIN_LOCK_MINUTES,
 *   during which even the right password is refused.
 * - Failures are counted in a window of LOGIN_LOCK_MINUTES from the first one;
 *   a successful sign-in (or a password reset) clears the count.
 *
 * Keys are HMACs of the identifier, so Redis never holds usernames or phones.
 */
import { LOGIN_CAPTCHA_AFTER, LOGIN_LOCK_AFTER, LOGIN_LOCK_MINUTES } from '../../domain/api/auth';
import type { Limiter } from './rate-limits';
import { purposeHmac } from './tokens';

export interface GuardState {
  failures: number;
  captchaRequired: boolean;
  /** Seconds left of the lock, or null when not locked. */
  lockedForSeconds: number | null;
}

export class LoginGuard {
  constructor(
    /** A limiter with points = LOGIN_LOCK_AFTER and duration = the lock window. */
    private readonly limiter: Limiter,
    private readonly secret: string,
    private readonly thresholds = { captchaAfter: LOGIN_CAPTCHA_AFTER, lockAfter: LOGIN_LOCK_AFTER, lockSeconds: LOGIN_LOCK_MINUTES * 60 },
  ) {}

  /** The limiter key of an identifier such as `u:zhangsan` or `p:<phone blind index>`. */
  key(identifier: string): string {
    return purposeHmac(this.secret, 'login-guard', identifier);
  }

  /** The Redis key of an identifier (tests shorten the lock through it). */
  redisKey(identifier: string): string {
    return this.limiter.redisKey(this.key(identifier));
  }

  private toState(consumed: number, msBeforeNext: number): GuardState {
    const locked = consumed >= this.thresholds.lockAfter;
    return {
      failures: consumed,
      captchaRequired: consumed >= this.thresholds.captchaAfter,
      lockedForSeconds: locked ? Math.max(1, Math.ceil(msBeforeNext / 1000)) : null,
    };
  }

  async state(identifier: string): Promise<GuardState> {
    const res = await this.limiter.get(this.key(identifier));
    return res ? this.toState(res.consumed, res.msBeforeNext) : { failures: 0, captchaRequired: false, lockedForSeconds: null };
  }

  async recordFailure(identifier: string): Promise<GuardState> {
    const key = this.key(identifier);
    const res = await this.limiter.add(key);
    if (res.consumed >= this.thresholds.lockAfter) {
      // The lock runs its full length from the failure that caused it.
      await this.limiter.block(key, this.thresholds.lockSeconds);
      return this.toState(res.consumed, this.thresholds.lockSeconds * 1000);
    }
    return this.toState(res.consumed, res.msBeforeNext);
  }

  async reset(identifier: string): Promise<void> {
    await this.limiter.delete(this.key(identifier));
  }
}
