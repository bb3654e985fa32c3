/**
 * Redis connections. A producer in the HTTP path fails fast when Redis is down
 * (no offline queue), so the API can answer 503 or fall back to the outbox; a
 * worker connection waits and retries forever (BullMQ requires
 * maxRetriesPerRequest: null for blocking commands).
 */
import { Redis, type RedisOptions } from 'ioredis';

export type { Redis };

export function createRedis(url: string, role: 'producer' | 'worker'): Redis {
  const options: RedisOptions =
    role === 'producer'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 1_000, lazyConnect: false }
      : { maxRetriesPerRequest: null, enableReadyCheck: true };
  const redis = new Redis(url, {
    ...options,
    retryStrategy: (times) => Math.min(200 * times, 2_000),
    // ioredis waits this long on disconnect() of a dead socket; keep shutdown and tests prompt.
    disconnectTimeout: 100,
  });
  // Errors surface on the commands that fail; an unhandled 'error' event would crash the process.
  redis.on('error', () => undefined);
  return redis;
}

/** Resolve once the connection is ready, or reject after `timeoutMs`. */
export async function waitForRedis(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`Redis did not answer within ${timeoutMs} ms`));
    }, timeoutMs).unref();
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}
