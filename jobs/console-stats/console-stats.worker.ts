/**
 * The console-stats worker: `{ classIds }` jobs, written to the outbox by the
 * students triggers (migration console_stats_triggers) in the transaction of
 * every statement that changes students' status or class, relayed by the
 * outbox relay. It recomputes those classes' funnel rows and their schools'
 * (server/services/console/console-stats.ts); a recompute is idempotent, so a
 * re-delivered job changes nothing.
 */
import { UnrecoverableError, type Job } from 'bullmq';
import { ConsoleStatsJobSchema, type ConsoleStatsJob } from '../../domain/jobs/payloads';
import type { AppContext } from '../../server/context';
import { recomputeClassStats, type RecomputeResult } from '../../server/services/console/console-stats';
import { startQueueWorker, type QueueWorker } from '../schedules/queue-worker';

export type ConsoleStatsWorkerContext = Pick<AppContext, 'db' | 'config' | 'logger'>;

export function consoleStatsProcessor(ctx: ConsoleStatsWorkerContext) {
  return async function processConsoleStats(job: Pick<Job<ConsoleStatsJob>, 'id' | 'data'>): Promise<RecomputeResult> {
    const parsed = ConsoleStatsJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid console-stats job data: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return recomputeClassStats(ctx, parsed.data.classIds);
  };
}

export function startConsoleStatsWorker(ctx: ConsoleStatsWorkerContext): QueueWorker<ConsoleStatsJob, RecomputeResult> {
  return startQueueWorker(ctx, 'console-stats', consoleStatsProcessor(ctx), { concurrency: 2 });
}
