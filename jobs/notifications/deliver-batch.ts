/**
 * A batch job of the notifications queue (`{ notificationIds }`, from the
 * notice fan-out): deliver the rows together, then
 * - queue the teacher digest of a review.waiting row (as the single-row job does);
 * - hand every row that must wait on to its own `notification-<id>` job:
 *   delayed by the wait it asked for (45009 back-off, a claim held elsewhere)
 *   or by an exponential back-off after an error (WeChat unavailable, a token
 *   still refused). That job resumes the row where the batch left it: the
 *   delivery rows say what was sent, so nothing is sent twice.
 * A job id that already exists (the relay queued the row too) is kept by
 * BullMQ: the row still has exactly one job of its own.
 */
import type { AppContext } from '../../server/context';
import { notificationJobId } from '../../server/queues/queues';
import { deliverNotifications, type DeliveryResult } from '../../server/services/messaging/deliver';
import { digestJobOptions } from '../../server/services/messaging/digest';

export type BatchContext = Pick<AppContext, 'config' | 'db' | 'pii' | 'logger' | 'redis' | 'sms' | 'queues'>;

export interface BatchOutcome {
  outcome: 'batch';
  notifications: number;
  sent: number;
  failed: number;
  /** undeliverable, missing, not sent (disabled account, kind without a message). */
  notSent: number;
  digests: number;
  handedOn: number;
}

/** First back-off of a row handed on after an error; doubles per send made, at most ERROR_BACKOFF_MAX_MS. */
export const ERROR_BACKOFF_MS = 1_000;
export const ERROR_BACKOFF_MAX_MS = 60_000;

export function handOnDelayMs(result: Extract<DeliveryResult, { outcome: 'retry' }>): number {
  if (result.retry === 'later') return result.delayMs;
  return Math.min(ERROR_BACKOFF_MAX_MS, ERROR_BACKOFF_MS * 2 ** Math.max(0, result.attempts - 1));
}

/** Queue each row on a job of its own (`notification-<id>`), after its delay. */
export async function handOn(ctx: Pick<AppContext, 'queues'>, rows: readonly { notificationId: string; delayMs: number }[]): Promise<void> {
  if (rows.length === 0) return;
  await ctx.queues.notifications.addBulk(
    rows.map(({ notificationId, delayMs }) => ({
      name: 'notification',
      data: { notificationId },
      opts: { jobId: notificationJobId(notificationId), ...(delayMs > 0 ? { delay: Math.ceil(delayMs) } : {}) },
    })),
  );
}

export async function deliverBatch(ctx: BatchContext, notificationIds: readonly string[]): Promise<BatchOutcome> {
  const results = await deliverNotifications(ctx, notificationIds);
  const summary: BatchOutcome = { outcome: 'batch', notifications: results.size, sent: 0, failed: 0, notSent: 0, digests: 0, handedOn: 0 };
  const waiting: { notificationId: string; delayMs: number }[] = [];
  const teachers = new Set<string>();
  for (const [notificationId, result] of results) {
    switch (result.outcome) {
      case 'sent':
        summary.sent += 1;
        break;
      case 'failed':
        summary.failed += 1;
        break;
      case 'digest':
        teachers.add(result.teacherId);
        summary.digests += 1;
        break;
      case 'retry':
        waiting.push({ notificationId, delayMs: handOnDelayMs(result) });
        break;
      default:
        summary.notSent += 1;
    }
  }
  for (const teacherId of teachers) {
    await ctx.queues.digests.add('digest', { teacherId }, digestJobOptions(teacherId, ctx.config.DIGEST_WINDOW_S));
  }
  await handOn(ctx, waiting);
  summary.handedOn = waiting.length;
  if (waiting.length > 0) ctx.logger.info({ handedOn: waiting.length, notifications: results.size }, 'batch delivery: rows handed on to jobs of their own');
  return summary;
}
