/**
 * The message rate limit (NOTIFY_RATE_PER_S, the WeChat and SMS quotas) across
 * every worker process: a fixed window in Redis, like BullMQ's queue limiter,
 * but counting provider calls rather than jobs (a batch job sends many
 * messages, a fallback sends a second one).
 *
 * `<prefix>:notify-rate` counts the permits handed out in the current window
 * and expires with it (PX duration, set by the first permit). A process takes
 * permits a few at a time and keeps them in a local bank that expires with the
 * window it came from, so no permit of an old window is spent in a new one:
 * at most `max` sends start per window, all processes together.
 */
import type { Redis } from '../../redis';

/** Take up to ARGV[3] permits of a window of ARGV[1] per ARGV[2] ms; answers {granted, ms left in the window}. */
const TAKE_PERMITS = `
local used = tonumber(redis.call('get', KEYS[1]) or '0')
local max = tonumber(ARGV[1])
if used >= max then
  local left = redis.call('pttl', KEYS[1])
  if left < 0 then redis.call('pexpire', KEYS[1], ARGV[2]) left = tonumber(ARGV[2]) end
  return {0, left}
end
local grant = math.min(tonumber(ARGV[3]), max - used)
local after = redis.call('incrby', KEYS[1], grant)
if after == grant then redis.call('pexpire', KEYS[1], ARGV[2]) end
local left = redis.call('pttl', KEYS[1])
if left < 0 then redis.call('pexpire', KEYS[1], ARGV[2]) left = tonumber(ARGV[2]) end
return {grant, left}
`;

export interface SendRateLimiterOptions {
  redis: Redis;
  /** QUEUE_PREFIX: the key is `<prefix>:notify-rate`. */
  prefix: string;
  /** Sends per window (NOTIFY_RATE_PER_S). */
  max: number;
  /** Window length; default 1,000 ms. */
  durationMs?: number;
  /** Permits fetched from Redis at once; default a tenth of max (1–100). */
  refill?: number;
}

export function rateLimitKey(prefix: string): string {
  return `${prefix}:notify-rate`;
}

export class SendRateLimiter {
  private bank = 0;
  private bankExpiresAt = 0;
  private readonly durationMs: number;
  private readonly refill: number;
  private readonly key: string;

  constructor(private readonly options: SendRateLimiterOptions) {
    this.durationMs = options.durationMs ?? 1_000;
    this.refill = options.refill ?? Math.min(100, Math.max(1, Math.ceil(options.max / 10)));
    this.key = rateLimitKey(options.prefix);
  }

  /**
   * Wait for at least one permit; resolves with how many were taken (1–wanted).
   * Not re-entrant: one caller at a time per instance (the send pipeline's pump).
   */
  async take(wanted: number): Promise<number> {
    if (wanted <= 0) return 0;
    for (;;) {
      if (this.bank > 0 && Date.now() < this.bankExpiresAt) {
        const granted = Math.min(this.bank, wanted);
        this.bank -= granted;
        return granted;
      }
      this.bank = 0;
      const ask = Math.max(wanted, this.refill);
      const answer = (await this.options.redis.eval(TAKE_PERMITS, 1, this.key, this.options.max, this.durationMs, ask)) as [number, number];
      const [granted, leftMs] = [Number(answer[0]), Number(answer[1])];
      if (granted > 0) {
        this.bank = granted;
        // A little short of the window's end: a permit is never spent after its window closed.
        this.bankExpiresAt = Date.now() + Math.max(0, leftMs - 5);
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(5, leftMs)));
    }
  }
}
