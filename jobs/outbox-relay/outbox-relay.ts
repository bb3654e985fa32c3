/**
 * The outbox relay, the one relay of the system: moves rows of the
 * transactional outbox (server/outbox) into their BullMQ queues, at least
 * once, and marks them dispatched. Every job the system makes (registry
 * matches, notification deliveries one by one or in batches, digests, notice
 * fan-outs, …) passes here; server/outbox says what each row becomes.
 *
 * One batch is one PostgreSQL transaction:
 *
 *   1. claim up to OUTBOX_BATCH_SIZE pending rows, oldest first,
 *      `for update skip locked` (several relays — API and worker processes —
 *      share the table without waiting for or double-claiming each other);
 *   2. `queue.addBulk` them as server/outbox's relayedJob says (job name, job
 *      id `outbox-<id>`);
 *   3. mark them dispatched in one UPDATE and commit.
 *
 * Crash window: when the process dies (or the commit fails) after step 2, the
 * rows are still pending and another relay adds them again. BullMQ ignores an
 * add whose job id still exists (completed jobs are kept a day, see
 * DEFAULT_JOB_OPTIONS), so the job is kept and not duplicated; and the jobs are
 * idempotent anyway (state checks), which also covers a re-add after the job
 * was removed. The same holds when an add times out here but reaches Redis
 * later: the rows roll back to pending and the next relay's add is a no-op.
 *
 * When Redis fails, the transaction rolls back (rows stay pending), `attempts`
 * and `last_error` are recorded in a separate best-effort statement, and the
 * loop backs off; it never throws out of the loop.
 *
 * Rows naming a queue or job this process does not know are parked: `last_error` is
 * set and `available_at` moves UNKNOWN_QUEUE_RETRY_MS into the future, inside
 * the same transaction as the batch. Such a row is most likely written by a
 * newer version during a rolling deploy (a new queue that this older relay
 * does not have yet), so it is neither dropped (marking it dispatched would lose
 * the work) nor retried at every poll (it would be claimed, and rejected, again
 * and again); a relay that knows the queue picks it up at the next retry, and
 * an operator can re-arm it at once with `update outbox set available_at = now()`.
 */
import { and, asc, eq, inArray, isNull, lte, sql, type SQL } from 'drizzle-orm';
import type { Queue } from 'bullmq';
import type { AppContext } from '../../server/context';
import { outbox } from '../../server/db/schema';
import { relayedJob, type OutboxRow } from '../../server/outbox/outbox';
import type { Queues } from '../../server/queues/queues';
import { DEFAULT_MAX_BACKOFF_MS, PollingLoop } from '../schedules/polling-loop';

/** How long a row of an unknown queue waits before a relay looks at it again. */
export const UNKNOWN_QUEUE_RETRY_MS = 10 * 60_000;
/** An add that has not answered after this long counts as failed (the rows roll back to pending). */
export const DEFAULT_ENQUEUE_TIMEOUT_MS = 10_000;
/** Longest pause of the loop after consecutive failures. */
export const MAX_BACKOFF_MS = DEFAULT_MAX_BACKOFF_MS;

const MAX_ERROR_LENGTH = 500;

/** What a relay needs: the database, the queues it may add to (rows of other queues are parked), config and logger. */
export type RelayContext = Pick<AppContext, 'db' | 'logger' | 'config'> & { queues: Queues };

export interface RelayBatchOptions {
  /** Largest number of rows in one batch; default config.OUTBOX_BATCH_SIZE. */
  batchSize?: number;
  /** Give up on the Redis write after this long; default DEFAULT_ENQUEUE_TIMEOUT_MS. */
  enqueueTimeoutMs?: number;
  /**
   * Only consider these outbox ids (tests that share one database, or an
   * operator re-driving given rows). Unset: every pending row.
   */
  onlyIds?: readonly number[];
  /** Only rows matching this condition on `outbox` (tests that share one database scope their relay with it). */
  where?: SQL;
}

export interface RelayBatchResult {
  /** Rows claimed by this batch (relayed + parked). */
  claimed: number;
  /** Outbox ids added to their queue and marked dispatched. */
  relayed: number[];
  /** Outbox ids of unknown queues, parked for UNKNOWN_QUEUE_RETRY_MS. */
  parked: number[];
}

/** The batch was rolled back; its rows stay pending. */
export class OutboxRelayError extends Error {
  constructor(
    readonly outboxIds: number[],
    options: { cause: unknown },
  ) {
    super(`outbox relay failed for ${outboxIds.length} row(s): ${errorText(options.cause)}`, options);
    this.name = 'OutboxRelayError';
  }
}

type ClaimedRow = OutboxRow;

/**
 * Relay one batch; resolves with what was relayed, or rejects with an
 * OutboxRelayError (or a database error) after rolling the batch back.
 */
export async function relayOnce(ctx: RelayContext, options: RelayBatchOptions = {}): Promise<RelayBatchResult> {
  const batchSize = options.batchSize ?? ctx.config.OUTBOX_BATCH_SIZE;
  const enqueueTimeoutMs = options.enqueueTimeoutMs ?? DEFAULT_ENQUEUE_TIMEOUT_MS;
  if (options.onlyIds && options.onlyIds.length === 0) return { claimed: 0, relayed: [], parked: [] };
  const queues = ctx.queues as unknown as Record<string, Queue | undefined>;

  let claimedIds: number[] = [];
  try {
    return await ctx.db.transaction(async (tx) => {
      const rows: ClaimedRow[] = await tx
        .select({ id: outbox.id, queue: outbox.queue, job: outbox.job, payload: outbox.payload })
        .from(outbox)
        .where(
          and(
            isNull(outbox.dispatchedAt),
            lte(outbox.availableAt, sql`now()`),
            options.onlyIds ? inArray(outbox.id, [...options.onlyIds]) : undefined,
            options.where,
          ),
        )
        .orderBy(asc(outbox.id))
        .limit(batchSize)
        .for('update', { skipLocked: true });
      claimedIds = rows.map((r) => r.id);
      if (rows.length === 0) return { claimed: 0, relayed: [], parked: [] };

      const byQueue = new Map<Queue, { row: ClaimedRow; job: NonNullable<ReturnType<typeof relayedJob>> }[]>();
      const unknown: ClaimedRow[] = [];
      for (const row of rows) {
        const job = relayedJob(row);
        const queue = job && Object.prototype.hasOwnProperty.call(queues, job.queue) ? queues[job.queue] : undefined;
        if (!job || !queue) {
          unknown.push(row);
          continue;
        }
        const list = byQueue.get(queue) ?? [];
        list.push({ row, job });
        byQueue.set(queue, list);
      }

      if (byQueue.size > 0) {
        await withTimeout(
          Promise.all(
            [...byQueue].map(([queue, list]) =>
              queue.addBulk(list.map(({ job }) => ({ name: job.name, data: job.data, opts: job.opts }))),
            ),
          ),
          enqueueTimeoutMs,
          `adding jobs to Redis did not finish within ${enqueueTimeoutMs} ms`,
        );
      }

      const relayed = [...byQueue.values()].flat().map((r) => r.row.id);
      if (relayed.length > 0) {
        await tx.update(outbox).set({ dispatchedAt: sql`now()` }).where(inArray(outbox.id, relayed));
      }
      const parked = unknown.map((r) => r.id);
      for (const row of unknown) {
        await tx
          .update(outbox)
          .set({
            attempts: sql`${outbox.attempts} + 1`,
            lastError: (row.job ? `unknown job "${row.job}" of queue "${row.queue}"` : `unknown queue "${row.queue}"`).slice(0, MAX_ERROR_LENGTH),
            availableAt: sql`now() + make_interval(secs => ${UNKNOWN_QUEUE_RETRY_MS / 1000})`,
          })
          .where(eq(outbox.id, row.id));
        ctx.logger.warn({ outboxId: row.id, queue: row.queue }, 'outbox row names an unknown queue; parked');
      }
      return { claimed: rows.length, relayed, parked };
    });
  } catch (err) {
    if (claimedIds.length === 0) throw err;
    await recordFailure(ctx, claimedIds, err);
    throw new OutboxRelayError(claimedIds, { cause: err });
  }
}

/** Best effort: the rows are pending again; note the attempt and why it failed. */
async function recordFailure(ctx: RelayContext, ids: number[], err: unknown): Promise<void> {
  try {
    await ctx.db
      .update(outbox)
      .set({ attempts: sql`${outbox.attempts} + 1`, lastError: errorText(err).slice(0, MAX_ERROR_LENGTH) })
      .where(and(inArray(outbox.id, ids), isNull(outbox.dispatchedAt)));
  } catch (recordErr) {
    ctx.logger.debug({ err: recordErr }, 'could not record the outbox relay failure');
  }
}

export interface OutboxRelayOptions extends RelayBatchOptions {
  /** Pause between polls when the last batch was not full; default config.OUTBOX_POLL_MS. */
  pollMs?: number;
  /** Longest pause after consecutive failures; default MAX_BACKOFF_MS. */
  maxBackoffMs?: number;
}

/**
 * The relay loop (jobs/schedules/polling-loop): poll every pollMs, again at
 * once when a batch was full, back off exponentially (with jitter) while
 * batches fail. `stop()` waits for the batch in progress.
 */
export class OutboxRelay {
  private readonly loop: PollingLoop;

  constructor(ctx: RelayContext, options: OutboxRelayOptions = {}) {
    const batchSize = options.batchSize ?? ctx.config.OUTBOX_BATCH_SIZE;
    this.loop = new PollingLoop(
      async () => {
        const result = await relayOnce(ctx, { ...options, batchSize });
        return { full: result.claimed >= batchSize };
      },
      {
        label: 'outbox relay',
        logger: ctx.logger,
        pollMs: options.pollMs ?? ctx.config.OUTBOX_POLL_MS,
        maxBackoffMs: options.maxBackoffMs ?? MAX_BACKOFF_MS,
      },
    );
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  // Promise.race also handles a late rejection of `promise`, so an abandoned add cannot become an unhandled rejection.
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
