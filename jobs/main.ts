/**
 * The worker process: `npm run worker`. It relays the outbox into BullMQ (the
 * one relay: every job is made there) and runs the workers. `startWorkers` is also what tools/run-all.ts calls to run
 * the workers inside the API process (PGlite admits one process), so it
 * installs no signal handlers: whoever owns the process owns shutdown.
 */
import { config, ConfigError } from '../config';
import { closeContext, createContext, type AppContext } from '../server/context';
import { onShutdownSignal } from '../server/lifecycle/shutdown';
import { startMetricsListener } from '../server/metrics/server';
import { instrument } from '../server/metrics/events';
import { startHeartbeat } from '../server/services/health/worker-heartbeat';
import { OutboxRelay, type OutboxRelayOptions } from './outbox-relay/outbox-relay';
import { startRegistryMatchWorker } from './registry-matching/registry-match.worker';
import { startCleanupWorker } from './cleanup/cleanup.worker';
import { startPaymentReconcileWorker } from './payment-reconcile/payment-reconcile.worker';
import { startRemindersWorker } from './reminders/reminders.worker';
import { upsertJobSchedulers } from './schedules/schedulers';
import { startSemesterResetWorker } from './semester-reset/semester-reset.worker';
import { startSweeperWorker } from './sweeper/sweeper.worker';
import { startGuardianRecheckWorker } from './guardian-recheck/guardian-recheck.worker';
import { startMessagingWorkers } from './notifications/notifications.worker';
import { startNoticesFanoutWorker } from './notices/notices-fanout.worker';
import { startConsoleStatsWorker } from './console-stats/console-stats.worker';
import { PollingLoop } from './schedules/polling-loop';
import { startWechatShippingWorker } from './wechat-shipping/wechat-shipping.worker';
import { chainAuditBatch } from '../server/services/audit/audit-chain';
import { startRegistryImportWorker } from './registry-import/registry-import.worker';

/** Pause between attempts to register the job schedulers while Redis does not answer. */
const SCHEDULER_RETRY_MS = 15_000;

export interface RunningWorkers {
  /** Stop the relay (after its batch in progress), then close the workers (after their jobs in progress). Queues, Redis and the database are closeContext's. */
  close(): Promise<void>;
}

export interface StartWorkersOptions {
  /** Relay tuning; tests restrict the relay to their own rows with `onlyIds`. */
  relay?: OutboxRelayOptions;
  /**
   * Register the recurring jobs (sweeper every minute, reminders and cleanup
   * daily; jobs/schedules/schedulers.ts). Default: on, except when
   * NODE_ENV=test — a sweep over the shared test database would touch other
   * tests' rows; tests that need the schedulers pass `true`.
   */
  schedulers?: boolean;
}

export async function startWorkers(ctx: AppContext, options: StartWorkersOptions = {}): Promise<RunningWorkers> {
  // The context's producers sit on its fail-fast connection: a Redis outage fails a batch at once and the relay backs off.
  const relay = new OutboxRelay(ctx, options.relay);
  const registryMatch = startRegistryMatchWorker(ctx);
  const housekeeping = [startSweeperWorker(ctx), startSemesterResetWorker(ctx), startRemindersWorker(ctx), startCleanupWorker(ctx), startPaymentReconcileWorker(ctx), startGuardianRecheckWorker(ctx), startConsoleStatsWorker(ctx), startRegistryImportWorker(ctx), startWechatShippingWorker(ctx)];
  const messaging = startMessagingWorkers(ctx);
  const noticesFanout = startNoticesFanoutWorker(ctx);
  // Automatic decisions, counted where the job completes (a re-delivered job that changed nothing is not counted).
  registryMatch.worker.on('completed', (_job, result) => {
    if (result.changed) instrument.decision({ decider: 'registry', outcome: result.status });
  });
  // The audit log's single chain writer (an advisory lock elects one process per pass).
  const auditChain = new PollingLoop(async () => ({ full: (await chainAuditBatch(ctx.db)).chained >= 1000 }), { label: 'audit chain', logger: ctx.logger, pollMs: 2000 });
  relay.start();
  auditChain.start();
  // What the API's readiness and the metrics count as a live worker process.
  const heartbeat = startHeartbeat(ctx.redis, ctx.config.QUEUE_PREFIX);
  const schedulers = (options.schedulers ?? ctx.config.NODE_ENV !== 'test') ? registerSchedulers(ctx) : undefined;
  let closing: Promise<void> | undefined;
  return {
    close: () => {
      closing ??= (async () => {
        await schedulers?.stop();
        await Promise.all([relay.stop(), auditChain.stop()]);
        await Promise.all([registryMatch.close(), ...housekeeping.map((w) => w.close()), messaging.close(), noticesFanout.close()]);
        await heartbeat.stop();
      })();
      return closing;
    },
  };
}

/**
 * Upsert the job schedulers now, and again every SCHEDULER_RETRY_MS while
 * Redis does not answer (the workers must start without Redis, like the relay).
 */
function registerSchedulers(ctx: AppContext): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;
  let running: Promise<void> = Promise.resolve();
  const attempt = () => {
    running = upsertJobSchedulers(ctx.queues).then(
      () => {
        if (failures > 0) ctx.logger.info({ failures }, 'job schedulers registered');
      },
      (err: unknown) => {
        failures += 1;
        if (failures === 1 || failures % 20 === 0) ctx.logger.warn({ err, failures }, 'could not register the job schedulers; retrying');
        if (!stopped) timer = setTimeout(attempt, SCHEDULER_RETRY_MS);
      },
    );
  };
  attempt();
  return {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

async function main(): Promise<void> {
  const ctx = await createContext(config(), { service: 'worker' });
  const workers = await startWorkers(ctx);
  // The worker's only HTTP port: /metrics and its probes (/health/live, /health/ready).
  const metrics = await startMetricsListener(ctx, { workers: false });
  onShutdownSignal(ctx.logger, [
    { name: 'metrics', run: async () => metrics?.close() },
    { name: 'workers', run: () => workers.close() },
    { name: 'connections', run: () => closeContext(ctx) },
  ]);
  ctx.logger.info(
    { database: ctx.database.kind, metrics: metrics ? `${metrics.url}/metrics` : 'off (METRICS_PORT=0)', queuePrefix: ctx.config.QUEUE_PREFIX, matchConcurrency: ctx.config.MATCH_CONCURRENCY, matchBatchSize: ctx.config.MATCH_BATCH_SIZE },
    'EduCard workers running (outbox relay, registry-match, notifications, digests, notices-fanout, guardian-recheck, console-stats, registry-import, sweeper, semester-reset, reminders, cleanup)',
  );
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  });
}
