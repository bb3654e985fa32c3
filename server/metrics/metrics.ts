/**
 * The Prometheus metrics of one process (API, worker, or both in `npm start`):
 * one prom-client Registry per AppContext (createContext owns it; no global
 * registry is used), served by server/metrics/server.ts on METRICS_HOST:METRICS_PORT,
 * never on the public port.
 *
 * Families (every name is listed in METRIC_NAMES; deploy/ files may use no other):
 * - HTTP: educard_http_request_duration_seconds{method,route,status} — `route` is
 *   the route template (/api/students/:studentId), `unmatched` or `static`.
 * - PostgreSQL: educard_db_pool_connections{state}, educard_db_pool_max,
 *   educard_db_query_duration_seconds{result}.
 * - Outbox: educard_outbox_backlog{queue}, educard_outbox_oldest_age_seconds{queue}
 *   (rows due and not yet relayed into BullMQ; a delayed row, e.g. a digest window's job, is
 *   not backlog before its available_at).
 * - Queues: educard_queue_jobs{queue,state} (BullMQ getJobCounts),
 *   educard_queue_oldest_waiting_age_seconds{queue} (a stalled queue grows this).
 * - Use cases (server/metrics/events.ts): educard_decisions_total{decider,outcome},
 *   educard_message_deliveries_total{channel,status,errcode},
 *   educard_payments_total{state}, educard_argon2_duration_seconds{operation}.
 * - Workers: educard_worker_heartbeats (worker processes alive, seen through Redis).
 * - Node.js process defaults with prefix educard_ (CPU, memory, event loop lag, GC).
 *
 * Gauges that read PostgreSQL or Redis do so when scraped, bounded in time; a
 * source that does not answer leaves its series out of that scrape (the
 * *_scrape_errors_total counter tells, from the next scrape on).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { rowsOf } from '../db/client';
import type { Queues } from '../queues/queues';
import { CHANNELS, subscribe, type Argon2Event, type DecisionEvent, type DeliveryEvent, type PaymentEvent } from './events';

export type MetricsService = 'api' | 'worker' | 'all';

/** Queue states exported per queue (BullMQ job types). */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'prioritized', 'waiting-children', 'completed'] as const;

/** How long a scrape waits for one source (PostgreSQL, Redis). */
const SOURCE_TIMEOUT_MS = 2_000;

export const METRIC_NAMES = {
  httpDuration: 'educard_http_request_duration_seconds',
  dbPoolConnections: 'educard_db_pool_connections',
  dbPoolMax: 'educard_db_pool_max',
  dbQueryDuration: 'educard_db_query_duration_seconds',
  outboxBacklog: 'educard_outbox_backlog',
  outboxOldestAge: 'educard_outbox_oldest_age_seconds',
  queueJobs: 'educard_queue_jobs',
  queueOldestWaitingAge: 'educard_queue_oldest_waiting_age_seconds',
  decisions: 'educard_decisions_total',
  deliveries: 'educard_message_deliveries_total',
  payments: 'educard_payments_total',
  argon2Duration: 'educard_argon2_duration_seconds',
  workerHeartbeats: 'educard_worker_heartbeats',
  scrapeErrors: 'educard_metrics_scrape_errors_total',
} as const;

export interface MetricsSources {
  database: Database;
  queues: Queues;
  /** Worker processes whose heartbeat is fresh (server/services/health/worker-heartbeat.ts). */
  workersAlive?: () => Promise<number>;
}

export interface Metrics {
  registry: Registry;
  service: MetricsService;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  dbQueryDuration: Histogram<'result'>;
  decisions: Counter<'decider' | 'outcome'>;
  deliveries: Counter<'channel' | 'status' | 'errcode'>;
  payments: Counter<'state'>;
  argon2Duration: Histogram<'operation'>;
  /** Where the scrape-time gauges read from; set once the database and queues exist. */
  watch(sources: MetricsSources): void;
  /** The text exposition of every metric. */
  render(): Promise<string>;
  /** Stop listening to the instrumentation events. */
  close(): void;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export function createMetrics(options: { service: MetricsService; defaultMetrics?: boolean }): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'educard_' });
  let sources: MetricsSources | undefined;

  const scrapeErrors = new Counter({
    name: METRIC_NAMES.scrapeErrors,
    help: 'Scrape-time reads of a source (database, redis) that failed or timed out.',
    labelNames: ['source'] as const,
    // (prom-client collects every metric of a scrape at once: a failure shows from the next scrape on)
    registers: [registry],
  });
  const guarded = async (source: 'database' | 'redis', read: () => Promise<void>) => {
    try {
      await withTimeout(read(), SOURCE_TIMEOUT_MS);
    } catch {
      scrapeErrors.inc({ source });
    }
  };

  const httpDuration = new Histogram({
    name: METRIC_NAMES.httpDuration,
    help: 'HTTP request duration by route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  new Gauge({
    name: METRIC_NAMES.dbPoolConnections,
    help: 'PostgreSQL pool connections: total open, idle, and callers waiting for one.',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const stats = sources?.database.stats?.();
      if (!stats) return;
      this.set({ state: 'total' }, stats.total);
      this.set({ state: 'idle' }, stats.idle);
      this.set({ state: 'in_use' }, stats.total - stats.idle);
      this.set({ state: 'waiting' }, stats.waiting);
    },
  });
  new Gauge({
    name: METRIC_NAMES.dbPoolMax,
    help: 'Largest number of PostgreSQL connections of the pool (DATABASE_POOL_MAX).',
    registers: [registry],
    collect() {
      const stats = sources?.database.stats?.();
      if (stats) this.set(stats.max);
    },
  });
  const dbQueryDuration = new Histogram({
    name: METRIC_NAMES.dbQueryDuration,
    help: 'PostgreSQL statement duration (pool wait excluded), by result.',
    labelNames: ['result'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [registry],
  });

  const outboxOldest = new Gauge({
    name: METRIC_NAMES.outboxOldestAge,
    help: 'Seconds since the oldest due outbox row not yet relayed became due, per queue (0 when none).',
    labelNames: ['queue'] as const,
    registers: [registry],
  });
  new Gauge({
    name: METRIC_NAMES.outboxBacklog,
    help: 'Outbox rows due and not yet relayed into BullMQ, per queue (a delayed row counts from its available_at).',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      if (!sources) return;
      const { database } = sources;
      await guarded('database', async () => {
        const result = await database.db.execute(sql`
          select queue, count(*)::int as backlog, coalesce(extract(epoch from now() - min(available_at)), 0)::float8 as age
          from outbox where dispatched_at is null and available_at <= now() group by queue`);
        const rows = rowsOf<{ queue: string; backlog: number; age: number }>(result);
        this.reset();
        outboxOldest.reset();
        const seen = new Set(rows.map((r) => r.queue));
        for (const queue of Object.keys(sources?.queues ?? {})) {
          if (!seen.has(queue)) rows.push({ queue, backlog: 0, age: 0 });
        }
        for (const row of rows) {
          this.set({ queue: row.queue }, Number(row.backlog));
          outboxOldest.set({ queue: row.queue }, Math.max(0, Number(row.age)));
        }
      });
    },
  });

  const oldestWaiting = new Gauge({
    name: METRIC_NAMES.queueOldestWaitingAge,
    help: 'Age in seconds of the oldest job waiting in the queue (0 when none): grows while no worker takes jobs.',
    labelNames: ['queue'] as const,
    registers: [registry],
  });
  new Gauge({
    name: METRIC_NAMES.queueJobs,
    help: 'BullMQ jobs per queue and state (getJobCounts).',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      if (!sources) return;
      const queues = Object.values(sources.queues);
      await guarded('redis', async () => {
        const now = Date.now();
        const read = await Promise.all(
          queues.map(async (queue) => {
            const [counts, oldest] = await Promise.all([queue.getJobCounts(...QUEUE_STATES), queue.getJobs(['wait'], 0, 0, true)]);
            return { name: queue.name, counts, oldestTimestamp: oldest[0]?.timestamp };
          }),
        );
        this.reset();
        oldestWaiting.reset();
        for (const { name, counts, oldestTimestamp } of read) {
          for (const state of QUEUE_STATES) this.set({ queue: name, state }, counts[state] ?? 0);
          oldestWaiting.set({ queue: name }, oldestTimestamp ? Math.max(0, (now - oldestTimestamp) / 1000) : 0);
        }
      });
    },
  });

  new Gauge({
    name: METRIC_NAMES.workerHeartbeats,
    help: 'Worker processes whose heartbeat in Redis is fresh.',
    registers: [registry],
    async collect() {
      const read = sources?.workersAlive;
      if (!read) return;
      await guarded('redis', async () => {
        this.set(await read());
      });
    },
  });

  const decisions = new Counter({
    name: METRIC_NAMES.decisions,
    help: 'Profile versions decided, by decider (registry match or reviewer) and outcome (status reached).',
    labelNames: ['decider', 'outcome'] as const,
    registers: [registry],
  });
  const deliveries = new Counter({
    name: METRIC_NAMES.deliveries,
    help: 'Message delivery rows written, by channel, status (sent, failed, skipped, queued) and WeChat/SMS errcode ("" when none).',
    labelNames: ['channel', 'status', 'errcode'] as const,
    registers: [registry],
  });
  const payments = new Counter({
    name: METRIC_NAMES.payments,
    help: 'Orders and refunds entering a state (created, paid, closed, flagged, refund_requested, refunded, …).',
    labelNames: ['state'] as const,
    registers: [registry],
  });
  const argon2Duration = new Histogram({
    name: METRIC_NAMES.argon2Duration,
    help: 'argon2id hash and verification time.',
    labelNames: ['operation'] as const,
    buckets: [0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28],
    registers: [registry],
  });

  const unsubscribe = [
    subscribe<DecisionEvent>(CHANNELS.decision, (e) => decisions.inc({ decider: e.decider, outcome: e.outcome })),
    subscribe<DeliveryEvent>(CHANNELS.delivery, (e) =>
      deliveries.inc({ channel: e.channel, status: e.status, errcode: e.errcode === null ? '' : String(e.errcode) }, e.count),
    ),
    subscribe<PaymentEvent>(CHANNELS.payment, (e) => payments.inc({ state: e.state })),
    subscribe<Argon2Event>(CHANNELS.argon2, (e) => argon2Duration.observe({ operation: e.operation }, e.seconds)),
  ];

  return {
    registry,
    service: options.service,
    httpDuration,
    dbQueryDuration,
    decisions,
    deliveries,
    payments,
    argon2Duration,
    watch: (s) => {
      sources = s;
    },
    render: () => registry.metrics(),
    close: () => {
      for (const off of unsubscribe.splice(0)) off();
    },
  };
}
