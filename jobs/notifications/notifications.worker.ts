/**
 * The notifications and digests workers. Every job comes from the outbox
 * relay; the worker dispatches on the job name (server/outbox):
 *
 * notifications
 * - `deliver-notification` `{ notificationId }` → deliverNotification.
 *   RetryLaterError (45009 back-off, a claim held elsewhere) moves the job to
 *   delayed without spending an attempt; other errors are retried with the
 *   queue's exponential back-off; when the last attempt fails, the delivery
 *   rows still queued are recorded as failed.
 * - `deliver-notifications` `{ notificationIds }` (the notice fan-out) →
 *   deliverBatch: every row that must wait is handed on to a
 *   deliver-notification job of its own (an outbox row available after the
 *   back-off it needs); when the batch job itself fails for good (the database
 *   was down all along), all its rows are handed on the same way.
 * A review.waiting row is sent when it opens its teacher's digest window and
 * gathered otherwise (server/services/messaging/digest.ts).
 *
 * digests
 * - `review-digest` `{ teacherId, windowId }` (available when the window
 *   closes) → sendReviewDigest, which writes the review.digest row and its
 *   delivery job: the digest reaches the teacher through the outbox too.
 *
 * Messages go out through the process's send pipeline (ctx.messaging): at most
 * NOTIFY_CONCURRENCY sends at once per process and NOTIFY_RATE_PER_S per second
 * across all processes (server/services/messaging/send-pipeline.ts).
 */
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import {
  NotificationBatchJobSchema,
  NotificationJobSchema,
  QUEUE_NAMES,
  ReviewDigestJobSchema,
  type NotificationsQueueJob,
  type OutboxJobName,
  type ReviewDigestJob,
} from '../../domain/jobs/payloads';
import type { AppContext } from '../../server/context';
import { createRedis } from '../../server/redis';
import { deliverNotification, markDeliveryGivenUp, RetryLaterError, type DeliveryOutcome } from '../../server/services/messaging/deliver';
import { sendReviewDigest, type DigestOutcome } from '../../server/services/messaging/digest';
import { deliverBatch, handOn, type BatchOutcome } from './deliver-batch';

export type NotificationsWorkerContext = Pick<AppContext, 'config' | 'db' | 'pii' | 'logger' | 'redis' | 'sms' | 'messaging'>;

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

const DELIVER_ONE: OutboxJobName = 'deliver-notification';
const DELIVER_MANY: OutboxJobName = 'deliver-notifications';

export function notificationProcessor(ctx: NotificationsWorkerContext) {
  return async function processNotification(job: Job<NotificationsQueueJob>, token?: string): Promise<DeliveryOutcome | BatchOutcome> {
    switch (job.name) {
      case DELIVER_MANY: {
        const batch = NotificationBatchJobSchema.safeParse(job.data);
        if (!batch.success) throw new UnrecoverableError('invalid deliver-notifications job data');
        return deliverBatch(ctx, batch.data.notificationIds);
      }
      case DELIVER_ONE: {
        const one = NotificationJobSchema.safeParse(job.data);
        if (!one.success) throw new UnrecoverableError('invalid deliver-notification job data');
        return delayOnRetryLater(job, token, () => deliverNotification(ctx, one.data.notificationId));
      }
      default:
        throw new UnrecoverableError(`unknown notifications job "${job.name}"`);
    }
  };
}

export function digestProcessor(ctx: NotificationsWorkerContext) {
  return async function processDigest(job: Job<ReviewDigestJob>): Promise<DigestOutcome> {
    const parsed = ReviewDigestJobSchema.safeParse(job.data);
    if (job.name !== 'review-digest' || !parsed.success) throw new UnrecoverableError(`invalid digests job "${job.name}"`);
    return sendReviewDigest(ctx, parsed.data.teacherId, parsed.data.windowId);
  };
}

export interface MessagingWorkers {
  notifications: Worker<NotificationsQueueJob, DeliveryOutcome | BatchOutcome>;
  digests: Worker<ReviewDigestJob, DigestOutcome>;
  close(): Promise<void>;
}

export function startMessagingWorkers(ctx: NotificationsWorkerContext, options: { concurrency?: number } = {}): MessagingWorkers {
  const connections = [createRedis(ctx.config.REDIS_URL, 'worker'), createRedis(ctx.config.REDIS_URL, 'worker')] as const;
  // No BullMQ limiter: it counts jobs, and a batch job sends many messages. The send pipeline limits the sends themselves.
  const common = {
    prefix: ctx.config.QUEUE_PREFIX,
    lockDuration: ctx.config.WORKER_LOCK_MS,
    stalledInterval: ctx.config.WORKER_LOCK_MS,
  };
  const notifications = new Worker<NotificationsQueueJob, DeliveryOutcome | BatchOutcome>(QUEUE_NAMES.notifications, notificationProcessor(ctx), {
    ...common,
    connection: connections[0],
    concurrency: options.concurrency ?? ctx.config.NOTIFY_CONCURRENCY,
  });
  const digests = new Worker<ReviewDigestJob, DigestOutcome>(QUEUE_NAMES.digests, digestProcessor(ctx), { ...common, connection: connections[1], concurrency: 2 });
  const log = ctx.logger.child({ component: 'messaging-workers' });
  for (const worker of [notifications, digests] as Worker[]) {
    worker.on('error', (err) => log.warn({ err, queue: worker.name }, 'messaging worker error'));
    worker.on('failed', (job, err) => {
      if (!job || err instanceof DelayedError) return;
      const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
      if (!final) return;
      log.error({ err, queue: worker.name, job: job.name, jobId: job.id, attempts: job.attemptsMade }, 'message delivery failed');
      if (job.name === DELIVER_ONE) {
        const one = NotificationJobSchema.safeParse(job.data);
        if (one.success) markDeliveryGivenUp(ctx, one.data.notificationId, err.message).catch((e: unknown) => log.warn({ err: e }, 'could not record the failed delivery'));
      }
      if (job.name === DELIVER_MANY) {
        const batch = NotificationBatchJobSchema.safeParse(job.data);
        // Each row gets its own job and its own attempts: nothing of the batch is given up here.
        if (batch.success) {
          handOn(ctx, batch.data.notificationIds.map((notificationId) => ({ notificationId, delayMs: 0 }))).catch((e: unknown) =>
            log.error({ err: e, jobId: job.id }, 'could not hand on the rows of a failed batch job'),
          );
        }
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
