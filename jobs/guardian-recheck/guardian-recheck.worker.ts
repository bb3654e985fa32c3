/**
 * The guardian-recheck worker: after a registry import with guardian phones
 * (its outbox row), runs server/services/reviews/guardian-recheck.ts, which checks the
 * approvals without guardian evidence against the registry.
 */
import type { Job } from 'bullmq';
import type { GuardianRecheckJob } from '../../domain/jobs/payloads';
import type { AppContext } from '../../server/context';
import { recheckApprovalsWithoutEvidence, type GuardianRecheckResult } from '../../server/services/reviews/guardian-recheck';
import { startQueueWorker, type QueueWorker } from '../schedules/queue-worker';

export type GuardianRecheckWorkerContext = Pick<AppContext, 'db' | 'pii' | 'config' | 'logger'>;

/** The job handler, usable without BullMQ. */
export function guardianRecheckProcessor(ctx: GuardianRecheckWorkerContext) {
  return async function processRecheck(job: Pick<Job<GuardianRecheckJob>, 'id' | 'data'>): Promise<GuardianRecheckResult> {
    const result = await recheckApprovalsWithoutEvidence(ctx, { batchId: job.data.batchId });
    ctx.logger.info({ jobId: job.id, batchId: job.data.batchId, ...result }, 'approvals without guardian evidence re-checked');
    return result;
  };
}

export function startGuardianRecheckWorker(ctx: GuardianRecheckWorkerContext): QueueWorker<GuardianRecheckJob, GuardianRecheckResult> {
  return startQueueWorker(ctx, 'guardian-recheck', guardianRecheckProcessor(ctx));
}
