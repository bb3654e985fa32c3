/**
 * The registry-match worker: takes `{ profileVersionId }` jobs from the
 * registry-match queue and runs the use case (server/services/registry-matching).
 * Thin on purpose: validation of the job, error classification and logging.
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
import { ProfileSnapshotError } from '../../server/services/profile-snapshot';
import { matchProfileVersion, type RegistryMatchResult } from '../../server/services/registry-matching';

export type RegistryMatchWorkerContext = Pick<AppContext, 'config' | 'db' | 'pii' | 'logger'>;

/** The job handler, usable without BullMQ (tests, a command-line re-run). */
export function registryMatchProcessor(ctx: RegistryMatchWorkerContext) {
  return async function processRegistryMatch(job: Pick<Job<RegistryMatchJob>, 'data' | 'id'>): Promise<RegistryMatchResult> {
    const parsed = RegistryMatchJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid registry-match job data: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    try {
      const result = await matchProfileVersion(ctx, parsed.data.profileVersionId);
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
  options: { concurrency?: number } = {},
): RegistryMatchWorker {
  const connection = createRedis(ctx.config.REDIS_URL, 'worker');
  const worker = new Worker<RegistryMatchJob, RegistryMatchResult>(QUEUE_NAMES.registryMatch, registryMatchProcessor(ctx), {
    connection,
    prefix: ctx.config.QUEUE_PREFIX,
    concurrency: options.concurrency ?? ctx.config.MATCH_CONCURRENCY,
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
      await worker.close();
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
