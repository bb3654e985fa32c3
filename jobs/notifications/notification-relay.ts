/**
 * The relay of undispatched notification rows: every writer of `notifications`
 * (writeNotification inside the decision's transaction, the semester bulk
 * inserts) only writes the row; this loop hands each row with dispatched_at
 * null to the notifications queue (job id `notification-<id>`) and marks it,
 * like the outbox relay does for the outbox: one transaction per batch,
 * `for update skip locked`, addBulk, mark. A crash between the add and the
 * commit re-adds the same job ids (BullMQ keeps the existing job), and the
 * delivery itself is idempotent per notification and channel.
 */
import { and, asc, inArray, isNull } from 'drizzle-orm';
import type { AppContext } from '../../server/context';
import { notifications } from '../../server/db/schema';
import { notificationJobId, type Queues } from '../../server/queues/queues';
import { PollingLoop } from '../schedules/polling-loop';

export type NotificationRelayContext = Pick<AppContext, 'db' | 'logger' | 'config'> & { queues: Queues };

export interface NotificationRelayOptions {
  /** Rows per batch; default config.OUTBOX_BATCH_SIZE. */
  batchSize?: number;
  /** Poll pause when the last batch was not full; default config.OUTBOX_POLL_MS. */
  pollMs?: number;
  /** Only rows of these accounts (tests sharing one database). */
  onlyAccountIds?: readonly string[];
}

/** Relay one batch; resolves with the notification ids queued. */
export async function relayNotificationsOnce(ctx: NotificationRelayContext, options: NotificationRelayOptions = {}): Promise<string[]> {
  const batchSize = options.batchSize ?? ctx.config.OUTBOX_BATCH_SIZE;
  if (options.onlyAccountIds && options.onlyAccountIds.length === 0) return [];
  return ctx.db.transaction(async (tx) => {
    const rows = await tx
      .select({ id: notifications.id })
      .from(notifications)
      .where(and(isNull(notifications.dispatchedAt), options.onlyAccountIds ? inArray(notifications.accountId, [...options.onlyAccountIds]) : undefined))
      .orderBy(asc(notifications.createdAt), asc(notifications.id))
      .limit(batchSize)
      .for('update', { skipLocked: true });
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    await ctx.queues.notifications.addBulk(ids.map((id) => ({ name: 'notification', data: { notificationId: id }, opts: { jobId: notificationJobId(id) } })));
    await tx.update(notifications).set({ dispatchedAt: new Date() }).where(inArray(notifications.id, ids));
    return ids;
  });
}

/** The loop: poll, again at once after a full batch, back off while batches fail. */
export class NotificationRelay {
  private readonly loop: PollingLoop;

  constructor(ctx: NotificationRelayContext, options: NotificationRelayOptions = {}) {
    const batchSize = options.batchSize ?? ctx.config.OUTBOX_BATCH_SIZE;
    this.loop = new PollingLoop(
      async () => {
        const ids = await relayNotificationsOnce(ctx, { ...options, batchSize });
        return { full: ids.length >= batchSize };
      },
      // No jitter and no recovery line: this relay has always backed off plainly.
      { label: 'notification relay', logger: ctx.logger, pollMs: options.pollMs ?? ctx.config.OUTBOX_POLL_MS, jitter: false, logRecovery: false },
    );
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}
