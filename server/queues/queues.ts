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

export interface QueuePrefixSettings {
  QUEUE_PREFIX: string;
  REDIS_CLUSTER_NODES: readonly unknown[];
}

/**
 * The BullMQ prefix of one queue. BullMQ's scripts touch many keys of a queue at once, which a Redis Cluster
 * allows only within one hash slot: on a cluster each queue is under `<QUEUE_PREFIX>:{<queue>}`, so every
 * key of a queue hashes on its name alone and the queues spread over the masters. A prefix that already
 * holds a `{tag}` is used as it is (everything in that one slot). On a single node the keys stay
 * `<QUEUE_PREFIX>:<queue>:…` as they always were.
 */
export function queuePrefix(settings: QueuePrefixSettings, queue: QueueName): string {
  if (settings.REDIS_CLUSTER_NODES.length === 0 || settings.QUEUE_PREFIX.includes('{')) return settings.QUEUE_PREFIX;
  return `${settings.QUEUE_PREFIX}:{${queue}}`;
}

/** The producers of every queue; `prefix` is the configuration (per-queue prefixes) or one prefix for all. */
export function createQueues(connection: Redis, prefix: string | QueuePrefixSettings): Queues {
  const settings = typeof prefix === 'string' ? { QUEUE_PREFIX: prefix, REDIS_CLUSTER_NODES: [] } : prefix;
  const make = <Q extends QueueName>(name: Q) => {
    const queue = new Queue<JobPayloads[Q]>(name, { connection, prefix: queuePrefix(settings, name), defaultJobOptions: DEFAULT_JOB_OPTIONS });
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
    [QUEUE_NAMES.registryImport]: make(QUEUE_NAMES.registryImport),
    [QUEUE_NAMES.wechatShipping]: make(QUEUE_NAMES.wechatShipping),
  } as Queues;
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((q) => q.close()));
}
