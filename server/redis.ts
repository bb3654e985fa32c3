/**
 * Redis connections. A producer in the HTTP path fails fast when Redis is down
 * (no offline queue), so the API can answer 503 or fall back to the outbox; a
 * worker connection waits and retries forever (BullMQ requires
 * maxRetriesPerRequest: null for blocking commands).
 *
 * With REDIS_CLUSTER_NODES set the client is an ioredis Cluster on those seed
 * nodes (credentials and TLS from REDIS_URL). Every multi-key command EduCard
 * sends (BullMQ's scripts, MULTI blocks, Lua) touches keys of one slot: BullMQ
 * queues get a hash-tagged prefix (server/queues), and our own MULTI / EVAL
 * calls each name a single key.
 */
import { Cluster, Redis as SingleRedis, type ClusterOptions, type RedisOptions } from 'ioredis';

/** A single-node client or a cluster client: both speak every command EduCard uses. */
export type Redis = SingleRedis | Cluster;

export interface RedisSettings {
  REDIS_URL: string;
  /** Seed nodes of a Redis Cluster; empty = the single node of REDIS_URL. */
  REDIS_CLUSTER_NODES: readonly { host: string; port: number }[];
}

export function isCluster(redis: Redis): redis is Cluster {
  return (redis as Cluster).isCluster === true;
}

export function createRedis(settings: RedisSettings | string, role: 'producer' | 'worker'): Redis {
  const { REDIS_URL: url, REDIS_CLUSTER_NODES: nodes } = typeof settings === 'string' ? { REDIS_URL: settings, REDIS_CLUSTER_NODES: [] } : settings;
  const options: RedisOptions =
    role === 'producer'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 1_000, lazyConnect: false }
      : { maxRetriesPerRequest: null, enableReadyCheck: true };
  const common: RedisOptions = {
    retryStrategy: (times) => Math.min(200 * times, 2_000),
    // ioredis waits this long on disconnect() of a dead socket; keep shutdown and tests prompt.
    disconnectTimeout: 100,
  };
  const redis: Redis = nodes.length > 0 ? new Cluster([...nodes], clusterOptions(url, role, { ...options, ...common })) : new SingleRedis(url, { ...options, ...common });
  // Errors surface on the commands that fail; an unhandled 'error' event would crash the process.
  redis.on('error', () => undefined);
  return redis;
}

/** Cluster-level options from the node options: the offline queue and retries move up a level, the rest (auth, TLS, timeouts) stays per node. */
function clusterOptions(url: string, role: 'producer' | 'worker', nodeOptions: RedisOptions): ClusterOptions {
  const parsed = new URL(url);
  const { enableOfflineQueue, retryStrategy: _perNode, lazyConnect, ...rest } = nodeOptions;
  return {
    enableOfflineQueue: enableOfflineQueue ?? true,
    enableReadyCheck: true,
    lazyConnect: lazyConnect ?? false,
    clusterRetryStrategy: (times) => Math.min(200 * times, 2_000),
    // A failover moves slots: follow MOVED/ASK redirections and refresh the slot map.
    maxRedirections: 16,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: role === 'producer' ? 100 : 500,
    redisOptions: {
      ...rest,
      ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
      ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
      ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  };
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
