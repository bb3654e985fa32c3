/**
 * The notifications and digests workers (issue #5 §1–3).
 *
 * notifications: `{ notificationId }` jobs (job id `notification-<id>`) →
 * deliverNotification. A review.waiting row becomes a digests job with
 * deduplication keyed by the teacher (one digest per DIGEST_WINDOW_S).
 * digests: `{ teacherId }` → sendReviewDigest.
 *
 * Both queues send messages, so both workers have the limiter of
 * NOTIFY_RATE_PER_S (BullMQ limits a queue across all its workers).
 * RetryLaterError (45009 back-off, a claim held elsewhere) moves the job to
 * delayed without spending an attempt; other errors are retried with the
 * queue's exponential back-off; when the last attempt fails, the delivery rows
 * still queued are recorded as failed.
 */
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { DigestJobSchema, NotificationJobSchema, QUEUE_NAMES, type DigestJob, type NotificationJob } from '../../domain/jobs/payloads';
import type { AppContext } from '../../server/context';
import { createRedis } from '../../server/redis';
import { deliverNotification, markDeliveryGivenUp, RetryLaterError, type DeliveryOutcome } from '../../server/services/messaging/deliver';
import { digestJobOptions, sendReviewDigest, type DigestOutcome } from '../../server/services/messaging/digest';

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
  return async function processNotification(job: Job<NotificationJob>, token?: string): Promise<DeliveryOutcome> {
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
  notifications: Worker<NotificationJob, DeliveryOutcome>;
  digests: Worker<DigestJob, DigestOutcome>;
  close(): Promise<void>;
}

export function startMessagingWorkers(ctx: NotificationsWorkerContext, options: { concurrency?: number } = {}): MessagingWorkers {
  const connections = [createRedis(ctx.config.REDIS_URL, 'worker'), createRedis(ctx.config.REDIS_URL, 'worker')] as const;
  const common = {
    prefix: ctx.config.QUEUE_PREFIX,
    limiter: { max: ctx.config.NOTIFY_RATE_PER_S, duration: 1_000 },
    lockDuration: ctx.config.WORKER_LOCK_MS,
    stalledInterval: ctx.config.WORKER_LOCK_MS,
  };
  const notifications = new Worker<NotificationJob, DeliveryOutcome>(QUEUE_NAMES.notifications, notificationProcessor(ctx), {
    ...common,
    connection: connections[0],
    concurrency: options.concurrency ?? ctx.config.NOTIFY_CONCURRENCY,
  });
  const digests = new Worker<DigestJob, DigestOutcome>(QUEUE_NAMES.digests, digestProcessor(ctx), { ...common, connection: connections[1], concurrency: 2 });
  const log = ctx.logger.child({ component: 'messaging-workers' });
  for (const worker of [notifications, digests] as Worker[]) {
    worker.on('error', (err) => log.warn({ err, queue: worker.name }, 'messaging worker error'));
    worker.on('failed', (job, err) => {
      if (!job || err instanceof DelayedError) return;
      const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
      if (!final) return;
      log.error({ err, queue: worker.name, jobId: job.id, attempts: job.attemptsMade }, 'message delivery failed');
      const notificationId = (job.data as Partial<NotificationJob>).notificationId;
      if (notificationId) markDeliveryGivenUp(ctx, notificationId, err.message).catch((e: unknown) => log.warn({ err: e }, 'could not record the failed delivery'));
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
