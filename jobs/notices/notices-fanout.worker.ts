/**
 * The notices-fanout worker: `{ noticeId[, reminderId] }` jobs (from the outbox,
 * job id outbox-<id>) → fanOutNotice. The resume key of each finished batch is
 * saved as the job's progress, so a retried job (worker closed or crashed
 * mid-fan-out) continues after the last finished batch; the batches are
 * idempotent anyway (see server/services/notices/fanout.ts).
 */
import { UnrecoverableError, type Job } from 'bullmq';
import { NoticeFanoutJobSchema, QUEUE_NAMES, type NoticeFanoutJob } from '../../domain/jobs/payloads';
import type { AppContext } from '../../server/context';
import { fanOutNotice, type FanoutOptions, type FanoutResult } from '../../server/services/notices/fanout';
import { startQueueWorker, type QueueWorker } from '../schedules/queue-worker';

export type NoticesFanoutContext = Pick<AppContext, 'db' | 'config' | 'queues' | 'logger'>;

function savedProgress(job: Pick<Job, 'progress'>): { cursor?: string; batch: number } {
  const progress = job.progress as { cursor?: unknown; batch?: unknown } | number | undefined;
  if (!progress || typeof progress !== 'object' || typeof progress.cursor !== 'string') return { batch: 0 };
  return { cursor: progress.cursor, batch: typeof progress.batch === 'number' ? progress.batch : 0 };
}

export function noticesFanoutProcessor(ctx: NoticesFanoutContext, extra: Pick<FanoutOptions, 'batchSize' | 'afterCommit'> = {}) {
  return async function processNoticesFanout(job: Job<NoticeFanoutJob>): Promise<FanoutResult> {
    const parsed = NoticeFanoutJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError('invalid notices-fanout job data');
    const saved = savedProgress(job);
    return fanOutNotice(ctx, parsed.data, {
      ...extra,
      ...(saved.cursor ? { startAfter: saved.cursor } : {}),
      // Batches are numbered across attempts: the progress says how far the whole fan-out got.
      onBatch: async ({ cursor, batch }) => {
        await job.updateProgress({ cursor, batch: saved.batch + batch });
      },
    });
  };
}

export function startNoticesFanoutWorker(
  ctx: NoticesFanoutContext,
  options: Pick<FanoutOptions, 'batchSize' | 'afterCommit'> & { concurrency?: number } = {},
): QueueWorker<NoticeFanoutJob, FanoutResult> {
  const { concurrency, ...extra } = options;
  return startQueueWorker(ctx, QUEUE_NAMES.noticesFanout, noticesFanoutProcessor(ctx, extra), { concurrency: concurrency ?? 2 });
}
