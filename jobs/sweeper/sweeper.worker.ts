/**
 * The sweeper worker: runs server/services/registry-matching/sweeper.ts once per job. Its job
 * scheduler (jobs/schedules/schedulers.ts) adds one job every minute.
 */
import type { Job } from 'bullmq';
import type { SweeperJob } from '../../domain/jobs/payloads';
import type { AppContext } from '../../server/context';
import { sweepStuckVersions, type SweepOptions } from '../../server/services/registry-matching/sweeper';
import { startQueueWorker, type QueueWorker } from '../schedules/queue-worker';

export interface SweeperJobResult {
  found: number;
  requeued: number;
  skipped: number;
}

export type SweeperWorkerContext = Pick<AppContext, 'db' | 'config' | 'logger'>;

/** The job handler, usable without BullMQ; `options` scope it (tests). */
export function sweeperProcessor(ctx: SweeperWorkerContext, options: SweepOptions = {}) {
  return async function processSweep(job: Pick<Job<SweeperJob>, 'id'>): Promise<SweeperJobResult> {
    const result = await sweepStuckVersions(ctx, options);
    if (result.requeued.length > 0) {
      // Each one is a match job that was lost: worth a warning, with ids only.
      ctx.logger.warn(
        { jobId: job.id, requeued: result.requeued.map((r) => ({ profileVersionId: r.profileVersionId, from: r.from })) },
        'sweeper re-queued profile versions whose registry match was lost',
      );
    }
    return { found: result.found, requeued: result.requeued.length, skipped: result.skipped };
  };
}

export function startSweeperWorker(ctx: SweeperWorkerContext, options: SweepOptions = {}): QueueWorker<SweeperJob, SweeperJobResult> {
  return startQueueWorker(ctx, 'sweeper', sweeperProcessor(ctx, options));
}
