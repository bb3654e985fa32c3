/**
 * A deliver-notifications job (many rows, from the notice fan-out): deliver the
 * rows together, then hand every row that must wait on to a deliver-notification
 * job of its own, written to the outbox available after the wait it asked for
 * (45009 back-off, a claim held elsewhere) or after an exponential back-off
 * following an error (WeChat unavailable, a token still refused). That job
 * resumes the row where the batch left it: the delivery rows say what was
 * sent, so nothing is sent twice.
 */
import type { AppContext } from '../../server/context';
import { writeOutboxRows } from '../../server/outbox/outbox';
import { deliverNotifications, type DeliveryResult } from '../../server/services/messaging/deliver';

export type BatchContext = Pick<AppContext, 'config' | 'db' | 'pii' | 'logger' | 'redis' | 'sms' | 'messaging'>;

export interface BatchOutcome {
  outcome: 'batch';
  notifications: number;
  sent: number;
  failed: number;
  /** undeliverable, missing, not sent (disabled account, kind without a message). */
  notSent: number;
  /** review.waiting rows gathered into their teacher's open digest window. */
  gathered: number;
  handedOn: number;
}

/** First back-off of a row handed on after an error; doubles per send made, at most ERROR_BACKOFF_MAX_MS. */
export const ERROR_BACKOFF_MS = 1_000;
export const ERROR_BACKOFF_MAX_MS = 60_000;

export function handOnDelayMs(result: Extract<DeliveryResult, { outcome: 'retry' }>): number {
  if (result.retry === 'later') return result.delayMs;
  return Math.min(ERROR_BACKOFF_MAX_MS, ERROR_BACKOFF_MS * 2 ** Math.max(0, result.attempts - 1));
}

/** Give each row a deliver-notification job of its own, available after its delay (the outbox keeps the wait). */
export async function handOn(ctx: Pick<AppContext, 'db'>, rows: readonly { notificationId: string; delayMs: number }[]): Promise<void> {
  if (rows.length === 0) return;
  const now = Date.now();
  await writeOutboxRows(
    ctx.db,
    rows.map(({ notificationId, delayMs }) => ({
      job: 'deliver-notification' as const,
      payload: { notificationId },
      ...(delayMs > 0 ? { availableAt: new Date(now + Math.ceil(delayMs)) } : {}),
    })),
  );
}

export async function deliverBatch(ctx: BatchContext, notificationIds: readonly string[]): Promise<BatchOutcome> {
  const results = await deliverNotifications(ctx, notificationIds);
  const summary: BatchOutcome = { outcome: 'batch', notifications: results.size, sent: 0, failed: 0, notSent: 0, gathered: 0, handedOn: 0 };
  const waiting: { notificationId: string; delayMs: number }[] = [];
  for (const [notificationId, result] of results) {
    switch (result.outcome) {
      case 'sent':
        summary.sent += 1;
        break;
      case 'failed':
        summary.failed += 1;
        break;
      case 'gathered':
        summary.gathered += 1;
        break;
      case 'retry':
        waiting.push({ notificationId, delayMs: handOnDelayMs(result) });
        break;
      default:
        summary.notSent += 1;
    }
  }
  await handOn(ctx, waiting);
  summary.handedOn = waiting.length;
  if (waiting.length > 0) ctx.logger.info({ handedOn: waiting.length, notifications: results.size }, 'batch delivery: rows handed on to jobs of their own');
  return summary;
}
