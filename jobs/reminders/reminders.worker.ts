/**
 * The reminders worker: its daily job scheduler (09:00 Asia/Shanghai) runs
 * server/services/semesters/reminders.ts, which writes the reconfirmation
 * reminders due today (idempotent by dedup key).
 */
import type { Job } from 'bullmq';
import type { RemindersJob } from '../../domain/jobs/payloads';
import type { AppContext } from '../../server/context';
import { sendReconfirmReminders, type RemindersOptions, type RemindersResult } from '../../server/services/semesters/reminders';
import { startQueueWorker, type QueueWorker } from '../schedules/queue-worker';

export type RemindersWorkerContext = Pick<AppContext, 'db' | 'logger' | 'config'>;

export function remindersProcessor(ctx: RemindersWorkerContext, options: RemindersOptions = {}) {
  return async function processReminders(job: Pick<Job<RemindersJob>, 'id'>): Promise<RemindersResult> {
    const result = await sendReconfirmReminders(ctx, options);
    if (result.semesters.length > 0) ctx.logger.info({ jobId: job.id, ...result }, 'reconfirmation reminders written');
    return result;
  };
}

export function startRemindersWorker(ctx: RemindersWorkerContext): QueueWorker<RemindersJob, RemindersResult> {
  return startQueueWorker(ctx, 'reminders', remindersProcessor(ctx));
}
