/**
 * The registry-match worker: takes `{ profileVersionId }` jobs from the
 * registry-match queue and runs the use case (server/services/registry-matching).
 * Thin on purpose: validation of the job, error classification and logging.
 *
 * With MATCH_BATCH_SIZE > 1 (the default) the jobs running at once hand their
 * version ids to a MatchBatcher, and one transaction decides a batch of them
 * with matchVersions (each job still gets its own version's result or error).
 * When the batch transaction fails as a whole — two approvals of one ID
 * racing on the unique index with another transaction, a deadlock, anything —
 * it rolls back and its versions are decided again one at a time by the same
 * function, each with its own result or error: correctness never depends on
 * the batch succeeding. The worker then takes up to
 * (BATCHES_IN_FLIGHT + 1) × MATCH_BATCH_SIZE jobs at once (at least
 * MATCH_CONCURRENCY): the batches in flight, plus the next one filling.
 * MATCH_BATCH_SIZE=1 runs one transaction per job.
 *
 * - Invalid job data, or a snapshot that cannot be decrypted, will never
 *   succeed: UnrecoverableError (no retries).
 * - Anything else (database unavailable, lock timeout) is retried with the
 *   queue's back-off; a failure is logged once, on the final attempt.
 * - The use case is idempotent, so a re-delivered job changes nothing.
 */
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { QUEUE_NAMES, RegistryMatchJobSchema, type RegistryMatchJob } from '../../domain/jobs/payloads';
import type { AppContext } from '../../server/context';
import { createRedis } from '../../server/redis';
import { ProfileSnapshotError } from '../../server/services/profiles/profile-snapshot';
import {
  matchProfileVersion,
  matchVersions,
  type RegistryMatchResult,
  type VersionMatchOutcome,
} from '../../server/services/registry-matching';
import { MatchBatcher } from './match-batcher';

export type RegistryMatchWorkerContext = Pick<AppContext, 'config' | 'db' | 'pii' | 'logger'>;

/** Batches deciding at once per worker process (each holds one database connection). */
export const BATCHES_IN_FLIGHT = 2;
/** Longest wait of a job for others to share its batch. */
export const BATCH_WAIT_MS = 10;

/**
 * Decide a batch of versions in one transaction; when that transaction fails, decide each version again in a
 * transaction of its own (see the module comment). One outcome per id, in order; never rejects.
 */
export async function matchBatch(
  ctx: Pick<RegistryMatchWorkerContext, 'config' | 'db' | 'pii'>,
  profileVersionIds: readonly string[],
  onFallback?: (err: unknown) => void,
): Promise<VersionMatchOutcome[]> {
  try {
    return await ctx.db.transaction((tx) => matchVersions(ctx, tx, profileVersionIds));
  } catch (err) {
    onFallback?.(err);
    const outcomes: VersionMatchOutcome[] = [];
    for (const id of profileVersionIds) {
      try {
        outcomes.push((await ctx.db.transaction((tx) => matchVersions(ctx, tx, [id])))[0]!);
      } catch (reason) {
        outcomes.push({ status: 'rejected', reason });
      }
    }
    return outcomes;
  }
}

/** The batcher of a worker process: batches of `batchSize` decided by matchBatch. */
export function createMatchBatcher(ctx: RegistryMatchWorkerContext, batchSize: number): MatchBatcher {
  const log = ctx.logger.child({ queue: QUEUE_NAMES.registryMatch });
  return new MatchBatcher(
    (ids) => matchBatch(ctx, ids, (err) => log.warn({ err, versions: ids.length }, 'registry match batch failed; matching its versions one by one')),
    { maxBatch: batchSize, maxWaitMs: BATCH_WAIT_MS, maxInFlight: BATCHES_IN_FLIGHT },
  );
}

/**
 * The job handler, usable without BullMQ (tests, a command-line re-run). With a batcher the version is decided in
 * a batch with the other jobs' versions; without, alone.
 */
export function registryMatchProcessor(ctx: RegistryMatchWorkerContext, batcher?: MatchBatcher) {
  const match = batcher ? (id: string) => batcher.match(id) : (id: string) => matchProfileVersion(ctx, id);
  return async function processRegistryMatch(job: Pick<Job<RegistryMatchJob>, 'data' | 'id'>): Promise<RegistryMatchResult> {
    const parsed = RegistryMatchJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid registry-match job data: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    try {
      const result = await match(parsed.data.profileVersionId);
      ctx.logger.debug({ jobId: job.id, profileVersionId: parsed.data.profileVersionId, result }, 'registry match done');
      return result;
    } catch (err) {
      if (err instanceof ProfileSnapshotError) throw new UnrecoverableError(err.message);
      throw err;
    }
  };
}

export interface RegistryMatchWorker {
  worker: Worker<RegistryMatchJob, RegistryMatchResult>;
  /** Wait for the jobs in progress, then close the worker and its connection. */
  close(): Promise<void>;
}

export function startRegistryMatchWorker(
  ctx: RegistryMatchWorkerContext,
  options: { concurrency?: number; batchSize?: number } = {},
): RegistryMatchWorker {
  const batchSize = options.batchSize ?? ctx.config.MATCH_BATCH_SIZE;
  const batcher = batchSize > 1 ? createMatchBatcher(ctx, batchSize) : undefined;
  const concurrency = options.concurrency ?? Math.max(ctx.config.MATCH_CONCURRENCY, batcher ? (BATCHES_IN_FLIGHT + 1) * batchSize : 0);
  const connection = createRedis(ctx.config.REDIS_URL, 'worker');
  const worker = new Worker<RegistryMatchJob, RegistryMatchResult>(QUEUE_NAMES.registryMatch, registryMatchProcessor(ctx, batcher), {
    connection,
    prefix: ctx.config.QUEUE_PREFIX,
    concurrency,
    lockDuration: ctx.config.WORKER_LOCK_MS,
    stalledInterval: ctx.config.WORKER_LOCK_MS,
  });
  const log = ctx.logger.child({ queue: QUEUE_NAMES.registryMatch });
  worker.on('error', (err) => log.warn({ err }, 'registry-match worker error'));
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    if (final) {
      log.error({ err, jobId: job.id, profileVersionId: job.data?.profileVersionId, attempts: job.attemptsMade }, 'registry match failed');
    }
  });
  return {
    worker,
    close: async () => {
      // worker.close() waits for the jobs in progress, which wait for their batches.
      await worker.close();
      await batcher?.drain();
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
