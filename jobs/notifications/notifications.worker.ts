/**
 * The notifications and digests workers (issue #5 §1–3, issue #7).
 *
 * notifications carries two kinds of jobs:
 * - `{ notificationId }` (job id `notification-<id>`; the relay of undispatched
 *   rows) → deliverNotification. A review.waiting row becomes a digests job
 *   with deduplication keyed by the teacher (one digest per DIGEST_WINDOW_S).
 *   RetryLaterError (45009 back-off, a claim held elsewhere) moves the job to
 *   delayed without spending an attempt; other errors are retried with the
 *   queue's exponential back-off; when the last attempt fails, the delivery
 *   rows still queued are recorded as failed.
 * - `{ notificationIds }` (job id `notification-batch-<hash>`; the notice
 *   fan-out) → deliverNotifications. Every row that must wait is handed on to
 *   its own `notification-<id>` job, delayed by the back-off it needs, which
 *   then retries it as above; when the batch job itself fails for good (the
 *   database was down all along), all its rows are handed on the same way.
 * digests: `{ teacherId }` → sendReviewDigest.
 *
 * Both queues send messages through the process's send pipeline: at most
 * NOTIFY_CONCURRENCY sends at once per process and NOTIFY_RATE_PER_S per
 * second across all processes (server/services/messaging/send-pipeline.ts).
 */
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import {
  DigestJobSchema,
  NotificationBatchJobSchema,
  NotificationJobSchema,
  QUEUE_NAMES,
  type DigestJob,
  type NotificationsQueueJob,
} from '../../domain/jobs/payloads';
import type { AppContext } from '../../server/context';
import { queuePrefix } from '../../server/queues/queues';
import { createRedis } from '../../server/redis';
import { deliverNotification, markDeliveryGivenUp, RetryLaterError, type DeliveryOutcome } from '../../server/services/messaging/deliver';
import { digestJobOptions, sendReviewDigest, type DigestOutcome } from '../../server/services/messaging/digest';
import { deliverBatch, handOn, type BatchOutcome } from './deliver-batch';

export type NotificationsWorkerContext = Pick<AppContext, 'config' | 'db' | 'pii' | 'logger' | 'redis' | 'sms' | 'queues'>;

/** Turn RetryLaterError into a delay of the job (no attempt spent). */
async function delayOnRetryLater<T>(job: Job, token: string | undefined, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof RetryLaterError && token) {
      await job.moveToDelayed(Date.now() + err.delayMs, token);
      throw new DelayedError();
    }
    throw err;
  }
}

export function notificationProcessor(ctx: NotificationsWorkerContext) {
  return async function processNotification(job: Job<NotificationsQueueJob>, token?: string): Promise<DeliveryOutcome | BatchOutcome> {
    const batch = NotificationBatchJobSchema.safeParse(job.data);
    if (batch.success) return deliverBatch(ctx, batch.data.notificationIds);
    const parsed = NotificationJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError('invalid notifications job data');
    const result = await delayOnRetryLater(job, token, () => deliverNotification(ctx, parsed.data.notificationId));
    if (result.outcome === 'digest') {
      await ctx.queues.digests.add('digest', { teacherId: result.teacherId }, digestJobOptions(result.teacherId, ctx.config.DIGEST_WINDOW_S));
    }
    return result;
  };
}

export function digestProcessor(ctx: NotificationsWorkerContext) {
  return async function processDigest(job: Job<DigestJob>, token?: string): Promise<DigestOutcome> {
    const parsed = DigestJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError('invalid digests job data');
    return delayOnRetryLater(job, token, () => sendReviewDigest(ctx, parsed.data.teacherId, String(job.id)));
  };
}

export interface MessagingWorkers {
  notifications: Worker<NotificationsQueueJob, DeliveryOutcome | BatchOutcome>;
  digests: Worker<DigestJob, DigestOutcome>;
  close(): Promise<void>;
}

export function startMessagingWorkers(ctx: NotificationsWorkerContext, options: { concurrency?: number } = {}): MessagingWorkers {
  const connections = [createRedis(ctx.config, 'worker'), createRedis(ctx.config, 'worker')] as const;
  // No BullMQ limiter: it counts jobs, and a batch job sends many messages. The send pipeline limits the sends themselves.
  const common = {
    lockDuration: ctx.config.WORKER_LOCK_MS,
    stalledInterval: ctx.config.WORKER_LOCK_MS,
  };
  const notifications = new Worker<NotificationsQueueJob, DeliveryOutcome | BatchOutcome>(QUEUE_NAMES.notifications, notificationProcessor(ctx), {
    ...common,
    prefix: queuePrefix(ctx.config, QUEUE_NAMES.notifications),
    connection: connections[0],
    concurrency: options.concurrency ?? ctx.config.NOTIFY_CONCURRENCY,
  });
  const digests = new Worker<DigestJob, DigestOutcome>(QUEUE_NAMES.digests, digestProcessor(ctx), { ...common, prefix: queuePrefix(ctx.config, QUEUE_NAMES.digests), connection: connections[1], concurrency: 2 });
  const log = ctx.logger.child({ component: 'messaging-workers' });
  for (const worker of [notifications, digests] as Worker[]) {
    worker.on('error', (err) => log.warn({ err, queue: worker.name }, 'messaging worker error'));
    worker.on('failed', (job, err) => {
      if (!job || err instanceof DelayedError) return;
      const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
      if (!final) return;
      log.error({ err, queue: worker.name, jobId: job.id, attempts: job.attemptsMade }, 'message delivery failed');
      const data = job.data as { notificationId?: unknown; notificationIds?: unknown };
      if (typeof data.notificationId === 'string') {
        markDeliveryGivenUp(ctx, data.notificationId, err.message).catch((e: unknown) => log.warn({ err: e }, 'could not record the failed delivery'));
      }
      const batch = NotificationBatchJobSchema.safeParse(data);
      if (batch.success) {
        // Each row gets its own job and its own attempts: nothing of the batch is given up here.
        handOn(ctx, batch.data.notificationIds.map((notificationId) => ({ notificationId, delayMs: 0 }))).catch((e: unknown) =>
          log.error({ err: e, jobId: job.id }, 'could not hand on the rows of a failed batch job'),
        );
      }
    });
  }
  return {
    notifications,
    digests,
    close: async () => {
      await Promise.all([notifications.close(), digests.close()]);
      await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
}
