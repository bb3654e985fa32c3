/**
 * Failed sign-in counting per ACCOUNT (issue 12, attack 7): whatever identifier
 * or spelling reached the account (username in any letter case, the phone with
 * or without +86), its failures land on one counter, `a:<account id>`. An
 * identifier with no account behind it gets a counter of its own (`u:<key>` /
 * `p:<phone index>`) that behaves exactly the same, so "no such user" and
 * "wrong password" cannot be told apart.
 *
 * - From LOGIN_CAPTCHA_AFTER failures on, every attempt needs a solved captcha.
 * - From the LOGIN_DELAY_AFTER-th failure on, each failure starts a delay that
 *   doubles (LOGIN_DELAY_BASE_SECONDS, ×2 per further failure, at most
 *   LOGIN_DELAY_MAX_SECONDS) during which sign-in by password waits. There is no
 *   long hard lock that a stranger knowing the username could keep up, and the
 *   SMS reset to the bound phone never consults this counter.
 * - Failures are forgotten LOGIN_FAILURE_WINDOW_HOURS after the last one; a
 *   successful sign-in or a password reset clears them.
 *
 * Keys are HMACs of the identifier, so Redis never holds usernames or phones.
 */
import {
  LOGIN_CAPTCHA_AFTER,
  LOGIN_DELAY_AFTER,
  LOGIN_DELAY_BASE_SECONDS,
  LOGIN_DELAY_MAX_SECONDS,
  loginDelaySeconds,
} from '../../domain/api/auth';
import type { Limiter } from './rate-limits';
import { purposeHmac } from './tokens';

export interface GuardState {
  failures: number;
  captchaRequired: boolean;
  /** Seconds left of the current delay, or null when an attempt may be made now. */
  delayedForSeconds: number | null;
  /** Failures left before the (next, longer) delay starts. */
  remainingAttempts: number;
}

export interface GuardThresholds {
  captchaAfter: number;
  delayAfter: number;
  baseSeconds: number;
  maxSeconds: number;
}

export const DEFAULT_THRESHOLDS: GuardThresholds = {
  captchaAfter: LOGIN_CAPTCHA_AFTER,
  delayAfter: LOGIN_DELAY_AFTER,
  baseSeconds: LOGIN_DELAY_BASE_SECONDS,
  maxSeconds: LOGIN_DELAY_MAX_SECONDS,
};

export const accountGuardKey = (accountId: string): string => `a:${accountId}`;

export class LoginGuard {
  constructor(
    /** Counts failures: a limiter whose duration is the failure window (points unused). */
    private readonly failures: Limiter,
    /** Holds the delays: a limiter of 1 point whose blocks are the delays. */
    private readonly delays: Limiter,
    private readonly secret: string,
    private readonly thresholds: GuardThresholds = DEFAULT_THRESHOLDS,
  ) {}

  /** The limiter key of a guard key such as `a:<uuid>`, `u:zhangsan` or `p:<phone blind index>`. */
  key(identifier: string): string {
    return purposeHmac(this.secret, 'login-guard', identifier);
  }

  /** The Redis keys of a guard key (tests end a delay through them). */
  redisKeys(identifier: string): { failures: string; delay: string } {
    const key = this.key(identifier);
    return { failures: this.failures.redisKey(key), delay: this.delays.redisKey(key) };
  }

  private remaining(failures: number): number {
    return failures < this.thresholds.delayAfter ? this.thresholds.delayAfter - failures : 1;
  }

  private async stateOf(identifier: string): Promise<GuardState> {
    const key = this.key(identifier);
    const [count, delay] = await Promise.all([this.failures.get(key), this.delays.get(key)]);
    const failures = count?.consumed ?? 0;
    const delayed = delay && delay.consumed > this.delays.rule.points ? Math.max(1, Math.ceil(delay.msBeforeNext / 1000)) : null;
    return { failures, captchaRequired: failures >= this.thresholds.captchaAfter, delayedForSeconds: delayed, remainingAttempts: this.remaining(failures) };
  }

  /** The combined state of several guard keys (a phone shared by accounts): the strictest of them. */
  async state(identifiers: readonly string[]): Promise<GuardState> {
    const states = await Promise.all(identifiers.map((id) => this.stateOf(id)));
    return states.reduce<GuardState>(
      (a, b) => ({
        failures: Math.max(a.failures, b.failures),
        captchaRequired: a.captchaRequired || b.captchaRequired,
        delayedForSeconds: a.delayedForSeconds === null ? b.delayedForSeconds : Math.max(a.delayedForSeconds, b.delayedForSeconds ?? 0),
        remainingAttempts: Math.min(a.remainingAttempts, b.remainingAttempts),
      }),
      { failures: 0, captchaRequired: false, delayedForSeconds: null, remainingAttempts: this.thresholds.delayAfter },
    );
  }

  /** Count one failure on each guard key; starts the growing delay once past LOGIN_DELAY_AFTER. */
  async recordFailure(identifiers: readonly string[]): Promise<GuardState> {
    for (const identifier of identifiers) {
      const key = this.key(identifier);
      const after = await this.failures.add(key);
      const delay = loginDelaySeconds(after.consumed, this.thresholds);
      if (delay > 0) await this.delays.block(key, delay);
    }
    return this.state(identifiers);
  }

  async reset(identifiers: readonly string[]): Promise<void> {
    for (const identifier of identifiers) {
      const key = this.key(identifier);
      await this.failures.delete(key);
      await this.delays.delete(key);
    }
  }
}
