/**
 * Worker heartbeats in Redis: every worker process writes its id and the time
 * into one sorted set (`<QUEUE_PREFIX>:worker-heartbeats`) every
 * HEARTBEAT_INTERVAL_MS; the API's readiness and the metrics count the ids seen
 * within HEARTBEAT_STALE_MS. One key, so it lives in one hash slot of a Redis
 * Cluster as well.
 */
import os from 'node:os';
import type { Redis } from '../../redis';

export const HEARTBEAT_INTERVAL_MS = 10_000;
/** A worker not heard of for this long counts as gone (three missed beats). */
export const HEARTBEAT_STALE_MS = 3 * HEARTBEAT_INTERVAL_MS;

export function heartbeatKey(prefix: string): string {
  return `${prefix}:worker-heartbeats`;
}

/** This process's worker id: host and pid (a pod name is the host name under Kubernetes). */
export function workerId(): string {
  return `${os.hostname()}:${process.pid}`;
}

export async function writeHeartbeat(redis: Redis, prefix: string, id: string, now = Date.now()): Promise<void> {
  const key = heartbeatKey(prefix);
  await redis
    .multi()
    .zadd(key, now, id)
    // Forget workers gone for long (a crashed pod never removes itself).
    .zremrangebyscore(key, '-inf', now - 10 * HEARTBEAT_STALE_MS)
    .pexpire(key, 10 * HEARTBEAT_STALE_MS)
    .exec();
}

export async function removeHeartbeat(redis: Redis, prefix: string, id: string): Promise<void> {
  await redis.zrem(heartbeatKey(prefix), id);
}

/** Worker processes whose last beat is younger than HEARTBEAT_STALE_MS. */
export async function countLiveWorkers(redis: Redis, prefix: string, now = Date.now()): Promise<number> {
  return redis.zcount(heartbeatKey(prefix), now - HEARTBEAT_STALE_MS, '+inf');
}

/** Beat now and every HEARTBEAT_INTERVAL_MS until stopped; a failed beat (Redis down) is retried at the next tick. */
export function startHeartbeat(redis: Redis, prefix: string, id = workerId(), intervalMs = HEARTBEAT_INTERVAL_MS): { id: string; stop(): Promise<void> } {
  const beat = () => writeHeartbeat(redis, prefix, id).catch(() => undefined);
  void beat();
  const timer = setInterval(beat, intervalMs);
  timer.unref();
  return {
    id,
    stop: async () => {
      clearInterval(timer);
      await removeHeartbeat(redis, prefix, id).catch(() => undefined);
    },
  };
}
