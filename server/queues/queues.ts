/**
 * Queue definitions: one BullMQ queue per workload, with its retry policy.
 * Only the outbox relay (jobs/outbox-relay, as server/outbox says) and the
 * recurring schedulers add jobs here; workers in jobs/ consume them.
 */
import { Queue, type DefaultJobOptions } from 'bullmq';
import { QUEUE_NAMES, type JobPayloads, type QueueName } from '../../domain/jobs/payloads';
import type { Redis } from '../redis';

export { QUEUE_NAMES, type QueueName };

/** Attempts with exponential back-off and jitter; completed jobs are kept a day so a re-added job id stays de-duplicated. */
export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1_000, jitter: 0.5 },
  removeOnComplete: { age: 24 * 3600, count: 200_000 },
  removeOnFail: { age: 14 * 24 * 3600 },
};

export type Queues = { [Q in QueueName]: Queue<JobPayloads[Q]> };

export function createQueues(connection: Redis, prefix: string): Queues {
  const make = <Q extends QueueName>(name: Q) => {
    const queue = new Queue<JobPayloads[Q]>(name, { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
    // Connection errors also reject the calls that hit them; without a listener BullMQ prints each one to stderr.
    queue.on('error', () => undefined);
    return queue;
  };
  return {
    [QUEUE_NAMES.registryMatch]: make(QUEUE_NAMES.registryMatch),
    [QUEUE_NAMES.sweeper]: make(QUEUE_NAMES.sweeper),
    [QUEUE_NAMES.semesterReset]: make(QUEUE_NAMES.semesterReset),
    [QUEUE_NAMES.reminders]: make(QUEUE_NAMES.reminders),
    [QUEUE_NAMES.cleanup]: make(QUEUE_NAMES.cleanup),
    [QUEUE_NAMES.paymentReconcile]: make(QUEUE_NAMES.paymentReconcile),
    [QUEUE_NAMES.notifications]: make(QUEUE_NAMES.notifications),
    [QUEUE_NAMES.noticesFanout]: make(QUEUE_NAMES.noticesFanout),
    [QUEUE_NAMES.digests]: make(QUEUE_NAMES.digests),
    [QUEUE_NAMES.guardianRecheck]: make(QUEUE_NAMES.guardianRecheck),
    [QUEUE_NAMES.consoleStats]: make(QUEUE_NAMES.consoleStats),
    [QUEUE_NAMES.wechatShipping]: make(QUEUE_NAMES.wechatShipping),
  } as Queues;
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((q) => q.close()));
}
