/**
 * The registry-import worker: imports registry files uploaded in the console
 * (server/services/registry-import/registry-upload.ts), one at a time, so two
 * large imports never compete for the registry table's locks.
 */
import type { Job } from 'bullmq';
import type { RegistryImportJob } from '../../domain/jobs/payloads';
import type { AppContext } from '../../server/context';
import { runRegistryImport } from '../../server/services/registry-import/registry-upload';
import { startQueueWorker, type QueueWorker } from '../schedules/queue-worker';

export type RegistryImportWorkerContext = Pick<AppContext, 'db' | 'pii' | 'storage' | 'logger' | 'config'>;
type Result = Awaited<ReturnType<typeof runRegistryImport>>;

export function registryImportProcessor(ctx: RegistryImportWorkerContext) {
  return async function processRegistryImport(job: Pick<Job<RegistryImportJob>, 'id' | 'data'>): Promise<Result> {
    const result = await runRegistryImport(ctx, job.data.importId);
    ctx.logger.info({ jobId: job.id, importId: job.data.importId, ...result }, 'registry import done');
    return result;
  };
}

export function startRegistryImportWorker(ctx: RegistryImportWorkerContext): QueueWorker<RegistryImportJob, Result> {
  return startQueueWorker(ctx, 'registry-import', registryImportProcessor(ctx));
}
