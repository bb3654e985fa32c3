/**
 * The composition root: the long-lived dependencies of one process (API or
 * workers), built once at start-up and passed down explicitly: configuration,
 * database, Redis, the personal-data cipher, the logger, the queue producers
 * (the outbox relay adds jobs through them; request handlers write outbox rows
 * instead), and the runtimes of security, the e-card and payments. Tests pass
 * their own clocks and captcha text as options here.
 *
 * Building is eager, connecting is not: nothing here waits for Redis, so the
 * API starts and accepts submissions while Redis is down (the producer
 * connection has no offline queue; the outbox keeps the work), and what needs
 * Redis to be built (the development WeChat Pay keys) loads on first use.
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
import { countLiveWorkers } from './services/health/worker-heartbeat';
import { createSecurity, type Security, type SecurityOptions } from './security';
import { createEcardRuntime, type EcardOptions, type EcardRuntime } from './services/ecard/ecard-runtime';
import { createMessagingRuntime, type MessagingRuntime } from './services/messaging/runtime';
import { createPayments, type Payments, type PaymentsOptions } from './services/payments/payments-runtime';

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
  /** Rate limits, login guard, captchas, tickets (server/security). */
  security: Security;
  /** E-card keys, clock and verification limit (services/ecard). */
  ecard: EcardRuntime;
  /** WeChat Pay: clock and products at once, keys and gateway on first use (services/payments). */
  payments: Payments;
  /** Message delivery of this process: WeChat transport, send pipeline, delivery recorder (server/services/messaging/runtime.ts). */
  messaging: MessagingRuntime;
}

/** What the runtimes of a context may be built with (tests: a clock they move, a known captcha text). */
export interface RuntimeOptions {
  security?: SecurityOptions;
  ecard?: EcardOptions;
  payments?: PaymentsOptions;
}

/** The runtimes of a context over its configuration and Redis connection; connects nothing. */
export function createRuntimes(config: Config, redis: Redis, options: RuntimeOptions = {}): Pick<AppContext, 'security' | 'ecard' | 'payments'> {
  return {
    security: createSecurity(config, redis, options.security),
    ecard: createEcardRuntime(config, redis, options.ecard),
    payments: createPayments(config, redis, options.payments),
  };
}

export interface ContextOptions extends RuntimeOptions {
  logger?: Logger;
  database?: Database;
  /** Which process this is, the `service` label of its metrics: api, worker, or all (npm start, tests). */
  service?: MetricsService;
  /** Parts of the messaging runtime to use instead of the built ones (tests). */
  messaging?: Partial<MessagingRuntime>;
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
  const pii = piiCipherFromConfig(config);
  const sms = createSmsSender(config, { redis, logger });
  return {
    config,
    database,
    db: database.db,
    pii,
    logger,
    redis,
    queues,
    sms,
    wechat: createWechatClient(config, { redis, logger }),
    metrics,
    ...createRuntimes(config, redis, options),
    messaging: createMessagingRuntime({ config, db: database.db, pii, logger, redis, sms }, options.messaging),
  };
}

/**
 * Close what createContext opened: the delivery records still being written,
 * queues and Redis, then the database. The security, e-card and payments
 * runtimes hold no connection of their own (they use the context's Redis), so
 * closing Redis ends them.
 */
export async function closeContext(ctx: AppContext, options: { keepDatabase?: boolean } = {}): Promise<void> {
  ctx.metrics.close();
  await ctx.messaging.close().catch(() => undefined);
  await closeQueues(ctx.queues).catch(() => undefined);
  ctx.redis.disconnect();
  if (!options.keepDatabase) await ctx.database.close();
}
