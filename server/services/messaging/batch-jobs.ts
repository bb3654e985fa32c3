/**
 * The notifications queue's jobs for many rows at once (issue #7): the notice
 * fan-out adds one job per NOTIFY_BATCH_SIZE notification rows instead of one
 * per row. The job id is derived from the ids it carries, so a fan-out batch
 * queued again (a restart between the add and the dispatched mark) reuses it.
 */
import { createHash } from 'node:crypto';
import type { NotificationBatchJob } from '../../../domain/jobs/payloads';

export const NOTIFICATION_BATCH_JOB_NAME = 'notification-batch';

/** `notification-batch-<hash of the sorted ids>` (BullMQ ids must not contain ':'). */
export function notificationBatchJobId(notificationIds: readonly string[]): string {
  const hash = createHash('sha256').update([...notificationIds].sort().join(',')).digest('base64url').slice(0, 24);
  return `notification-batch-${hash}`;
}

/** The addBulk entries delivering these rows, `size` rows per job. */
export function notificationBatchJobs(notificationIds: readonly string[], size: number): { name: string; data: NotificationBatchJob; opts: { jobId: string } }[] {
  const jobs = [];
  for (let start = 0; start < notificationIds.length; start += size) {
    const ids = notificationIds.slice(start, start + size);
    jobs.push({ name: NOTIFICATION_BATCH_JOB_NAME, data: { notificationIds: ids }, opts: { jobId: notificationBatchJobId(ids) } });
  }
  return jobs;
}
