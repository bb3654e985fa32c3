/** The cleanup worker: its daily job scheduler (03:30 Asia/Shanghai) runs cleanup.ts. */
import type { Job } from 'bullmq';
import type { CleanupJob } from '../../domain/jobs/payloads';
import type { AppContext } from '../../server/context';
import { startQueueWorker, type QueueWorker } from '../schedules/queue-worker';
import { cleanupExpired, type CleanupOptions, type CleanupResult } from './cleanup';

export type CleanupWorkerContext = Pick<AppContext, 'db' | 'logger' | 'config' | 'storage'>;

export function cleanupProcessor(ctx: CleanupWorkerContext, options: CleanupOptions = {}) {
  return async function processCleanup(job: Pick<Job<CleanupJob>, 'id'>): Promise<CleanupResult> {
    const result = await cleanupExpired(ctx, options);
    ctx.logger.info({ jobId: job.id, ...result }, 'housekeeping done');
    return result;
  };
}

export function startCleanupWorker(ctx: CleanupWorkerContext): QueueWorker<CleanupJob, CleanupResult> {
  return startQueueWorker(ctx, 'cleanup', cleanupProcessor(ctx));
}
