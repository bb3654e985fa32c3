/**
 * The long-lived dependencies of one process (API or workers), built once at
 * start-up and passed down explicitly: configuration, database, Redis, the
 * personal-data cipher, the logger and the queue producers (the outbox relay
 * adds jobs through them; request handlers write outbox rows instead).
 */
import type { Config } from '../config';
import { openDatabase, type Database, type Db } from './db/client';
import { piiCipherFromConfig } from './crypto/keys';
import type { PiiCipher } from './crypto/pii';
import { createLogger, type Logger } from './logging/logger';
import { closeQueues, createQueues, type Queues } from './queues/queues';
import { createRedis, type Redis } from './redis';
import { createSmsSender } from './integrations/sms';
import type { SmsSender } from './integrations/sms/sms-sender';
import { createWechatClient } from './integrations/wechat';
import type { WechatClient } from './integrations/wechat/wechat-client';
import { createMetrics, type Metrics, type MetricsService } from './metrics/metrics';
import { countLiveWorkers } from './services/worker-heartbeat';
import { createFileStorage } from './storage/create-file-storage';
import type { FileStorage } from './storage/file-storage';

export interface AppContext {
  config: Config;
  database: Database;
  db: Db;
  pii: PiiCipher;
  logger: Logger;
  /** Fail-fast Redis connection for producers and health checks. */
  redis: Redis;
  queues: Queues;
  sms: SmsSender;
  wechat: WechatClient;
  /** The Prometheus registry of this process and its instruments (server/metrics). */
  metrics: Metrics;
  /** Uploaded files, readable by every API and worker process (server/storage, STORAGE_BACKEND). */
  storage: FileStorage;
}

export interface ContextOptions {
  logger?: Logger;
  database?: Database;
  /** Which process this is, the `service` label of its metrics: api, worker, or all (npm start, tests). */
  service?: MetricsService;
}

export async function createContext(config: Config, options: ContextOptions = {}): Promise<AppContext> {
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL, ...(config.LOG_FILE ? { file: config.LOG_FILE } : {}) });
  // Node's default process metrics start observers per registry: left out of the test suites, which open many contexts.
  const metrics = createMetrics({ service: options.service ?? 'all', defaultMetrics: config.NODE_ENV !== 'test' });
  const database =
    options.database ??
    (await openDatabase({
      databaseUrl: config.DATABASE_URL,
      pgliteDataDir: config.PGLITE_DATA_DIR,
      poolMax: config.DATABASE_POOL_MAX,
      onQuery: (seconds, failed) => metrics.dbQueryDuration.observe({ result: failed ? 'error' : 'ok' }, seconds),
    }));
  const redis = createRedis(config.REDIS_URL, 'producer');
  const queues = createQueues(redis, config.QUEUE_PREFIX);
  metrics.watch({ database, queues, workersAlive: () => countLiveWorkers(redis, config.QUEUE_PREFIX) });
  return {
    config,
    database,
    db: database.db,
    pii: piiCipherFromConfig(config),
    logger,
    redis,
    queues,
    sms: createSmsSender(config, { redis, logger }),
    wechat: createWechatClient(config, { redis, logger }),
    metrics,
    storage: createFileStorage(config, database.db),
  };
}

/** Close what createContext opened: queues and Redis before the database. */
export async function closeContext(ctx: AppContext, options: { keepDatabase?: boolean } = {}): Promise<void> {
  ctx.metrics.close();
  await closeQueues(ctx.queues).catch(() => undefined);
  ctx.redis.disconnect();
  if (!options.keepDatabase) await ctx.database.close();
}
