/**
 * A BullMQ worker for one of the small housekeeping queues (sweeper,
 * semester-reset, reminders, cleanup): its own blocking Redis connection,
 * `error` listener, and a failure logged once, on the final attempt.
 */
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { JobPayloads, QueueName } from '../../domain/jobs/payloads';
import type { AppContext } from '../../server/context';
import { queuePrefix } from '../../server/queues/queues';
import { createRedis } from '../../server/redis';

export interface QueueWorker<D, R> {
  worker: Worker<D, R>;
  /** Wait for the job in progress, then close the worker and its connection. */
  close(): Promise<void>;
}

export function startQueueWorker<Q extends QueueName, R>(
  ctx: Pick<AppContext, 'config' | 'logger'>,
  queue: Q,
  processor: (job: Job<JobPayloads[Q]>) => Promise<R>,
  options: { concurrency?: number } = {},
): QueueWorker<JobPayloads[Q], R> {
  const connection = createRedis(ctx.config, 'worker');
  const worker = new Worker<JobPayloads[Q], R>(queue, processor, {
    connection,
    prefix: queuePrefix(ctx.config, queue),
    concurrency: options.concurrency ?? 1,
    lockDuration: ctx.config.WORKER_LOCK_MS,
    stalledInterval: ctx.config.WORKER_LOCK_MS,
  });
  const log = ctx.logger.child({ queue });
  worker.on('error', (err) => log.warn({ err }, `${queue} worker error`));
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    if (final) log.error({ err, jobId: job.id, attempts: job.attemptsMade }, `${queue} job failed`);
  });
  return {
    worker,
    close: async () => {
      await worker.close();
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
