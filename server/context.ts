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
}

export async function createContext(config: Config, options: { logger?: Logger; database?: Database } = {}): Promise<AppContext> {
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL, ...(config.LOG_FILE ? { file: config.LOG_FILE } : {}) });
  const database =
    options.database ??
    (await openDatabase({
      databaseUrl: config.DATABASE_URL,
      pgliteDataDir: config.PGLITE_DATA_DIR,
      poolMax: config.DATABASE_POOL_MAX,
    }));
  const redis = createRedis(config.REDIS_URL, 'producer');
  return {
    config,
    database,
    db: database.db,
    pii: piiCipherFromConfig(config),
    logger,
    redis,
    queues: createQueues(redis, config.QUEUE_PREFIX),
    sms: createSmsSender(config, { redis, logger }),
    wechat: createWechatClient(config, { redis, logger }),
  };
}

/** Close what createContext opened: queues and Redis before the database. */
export async function closeContext(ctx: AppContext, options: { keepDatabase?: boolean } = {}): Promise<void> {
  await closeQueues(ctx.queues).catch(() => undefined);
  ctx.redis.disconnect();
  if (!options.keepDatabase) await ctx.database.close();
}
