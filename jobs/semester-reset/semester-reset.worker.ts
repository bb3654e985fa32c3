/**
 * The semester-reset worker: `{ semesterId }` jobs, written to the outbox by
 * `npm run semester:open`, run server/services/semesters/reset.ts. The reset
 * is resumable from the data, so a retry after a crash continues where the
 * last committed batch stopped.
 */
import { UnrecoverableError, type Job } from 'bullmq';
import { SemesterResetJobSchema, type SemesterResetJob } from '../../domain/jobs/payloads';
import type { AppContext } from '../../server/context';
import { resetSemester, type ResetOptions, type ResetResult } from '../../server/services/semesters/reset';
import { startQueueWorker, type QueueWorker } from '../schedules/queue-worker';

export type SemesterResetJobResult = Pick<ResetResult, 'status'> & { moved?: number; batches?: number };

export type SemesterResetWorkerContext = Pick<AppContext, 'db' | 'config' | 'logger'>;

export function semesterResetProcessor(ctx: SemesterResetWorkerContext, options: Omit<ResetOptions, 'onBatch'> = {}) {
  return async function processSemesterReset(job: Pick<Job<SemesterResetJob>, 'id' | 'data'>): Promise<SemesterResetJobResult> {
    const parsed = SemesterResetJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid semester-reset job data: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const { semesterId } = parsed.data;
    const log = ctx.logger.child({ jobId: job.id, semesterId });
    const result = await resetSemester(ctx, semesterId, {
      ...options,
      onBatch: ({ moved, batches }) => log.info({ moved, batches }, 'semester reset: batch committed'),
    });
    if (result.status === 'semester_not_found') throw new UnrecoverableError(`semester ${semesterId} not found`);
    if (result.status === 'already_completed') {
      log.info('semester reset already completed; nothing to do');
      return { status: result.status };
    }
    log.info({ moved: result.moved, batches: result.batches, status: result.status }, 'semester reset done');
    return { status: result.status, moved: result.moved, batches: result.batches };
  };
}

export function startSemesterResetWorker(ctx: SemesterResetWorkerContext): QueueWorker<SemesterResetJob, SemesterResetJobResult> {
  return startQueueWorker(ctx, 'semester-reset', semesterResetProcessor(ctx));
}
