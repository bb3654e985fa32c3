/**
 * What the e-card use cases need besides the database, built once per process
 * by createContext (ctx.ecard): the signing keys (read from the configuration
 * on first use, so a process that never shows a card — a tool, a worker —
 * never needs them), the clock, and the per-verifier rate limit on Redis.
 */
import type { Config } from '../../../config';
import type { Redis } from '../../redis';
import { Limiter } from '../../security/rate-limits';
import { ecardKeysFromConfig, type EcardKeys } from './ecard-keys';

export interface EcardOptions {
  /** Milliseconds clock (default Date.now); tests pass one they move. */
  now?: () => number;
}

export interface EcardRuntime {
  readonly keys: EcardKeys;
  now: () => number;
  /** Verifications per verifier account per minute. */
  verifyLimit: Limiter;
}

export type EcardConfig = Pick<Config, 'ECARD_SIGNING_KEY' | 'ECARD_PREVIOUS_PUBLIC_KEYS' | 'SESSION_SECRET' | 'NODE_ENV' | 'QUEUE_PREFIX' | 'ECARD_VERIFY_PER_MINUTE'>;

export function createEcardRuntime(config: EcardConfig, redis: Redis, options: EcardOptions = {}): EcardRuntime {
  let keys: EcardKeys | undefined;
  return {
    get keys() {
      keys ??= ecardKeysFromConfig(config);
      return keys;
    },
    now: options.now ?? Date.now,
    verifyLimit: new Limiter(redis, config.QUEUE_PREFIX, { name: 'ecard-verify', points: config.ECARD_VERIFY_PER_MINUTE, durationSeconds: 60 }),
  };
}
