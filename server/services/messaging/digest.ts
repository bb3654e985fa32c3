/**
 * The head teacher's 待审核 messages. A review.waiting row is delivered like
 * any other notification, except that its teacher's digest window decides
 * whether it is sent:
 *
 * - no window open: the row opens one (review_digest_windows, closes after
 *   DIGEST_WINDOW_S) and is sent at once, opening its detail page; the same
 *   transaction writes the window's review-digest job, available when the
 *   window closes;
 * - a window open: the row is gathered into it (notifications.digest_window_id)
 *   and not sent on its own.
 *
 * When the window closes, the review-digest job counts its gathered rows whose
 * version still waits: none → nothing is sent; one → a review.digest opening its
 * detail page; more → the list. The review.digest row is written with its
 * delivery job (writeNotification), so it reaches the teacher through the
 * outbox like every other message. The window row is locked by both sides, so
 * a row is gathered into a window only before that window's digest counts.
 * Retries are idempotent: the first row of a window is recognised again (by
 * the window, or by its delivery rows once the window has moved on), a gathered
 * row stays gathered, the digest row has a dedup key per window.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { REVIEW_LIST_PAGE, reviewDetailPage } from '../../../domain/messaging/messages';
import { rowsOf, type Tx } from '../../db/client';
import { messageDeliveries, notifications, profileVersions, reviewDigestWindows } from '../../db/schema';
import { writeOutbox } from '../../outbox/outbox';
import { writeNotification } from '../notifications/notifications';
import type { MessagingDeps } from './messaging-deps';

/** What becomes of a review.waiting row: sent now (it opened the window), or gathered into the open window. */
export type WaitingAdmission = { kind: 'first' } | { kind: 'gathered'; windowId: string };

async function openWindow(tx: Tx, teacherId: string, windowId: string, closesAt: Date): Promise<WaitingAdmission> {
  await writeOutbox(tx, 'review-digest', { teacherId, windowId }, { availableAt: closesAt });
  return { kind: 'first' };
}

/** Decide, in one transaction, whether this review.waiting row is sent now or gathered; see the module comment. */
export async function admitReviewWaiting(ctx: Pick<MessagingDeps, 'db' | 'config'>, notification: { id: string; accountId: string }): Promise<WaitingAdmission> {
  const teacherId = notification.accountId;
  const windowS = ctx.config.DIGEST_WINDOW_S;
  return ctx.db.transaction(async (tx) => {
    const [own] = await tx
      .select({
        windowId: notifications.digestWindowId,
        started: sql<boolean>`exists (select 1 from ${messageDeliveries} where ${messageDeliveries.notificationId} = ${notification.id})`,
      })
      .from(notifications)
      .where(eq(notifications.id, notification.id))
      .for('update', { of: notifications });
    if (own?.windowId) return { kind: 'gathered', windowId: own.windowId };
    // A retry of a row whose delivery began (it opened a window that may have closed since): it goes on being sent.
    if (own?.started) return { kind: 'first' };

    const [created] = rowsOf<{ window_id: string; closes_at: Date | string }>(
      await tx.execute(sql`
        insert into ${reviewDigestWindows} (teacher_id, window_id, first_notification_id, closes_at)
        values (${teacherId}, ${randomUUID()}, ${notification.id}, clock_timestamp() + make_interval(secs => ${windowS}))
        on conflict (teacher_id) do nothing
        returning window_id, closes_at`),
    );
    if (created) return openWindow(tx, teacherId, created.window_id, new Date(created.closes_at));

    const [window] = await tx.select().from(reviewDigestWindows).where(eq(reviewDigestWindows.teacherId, teacherId)).for('update');
    if (window!.firstNotificationId === notification.id) return { kind: 'first' };
    const [reopened] = rowsOf<{ window_id: string; closes_at: Date | string }>(
      await tx.execute(sql`
        update ${reviewDigestWindows}
        set window_id = ${randomUUID()}, first_notification_id = ${notification.id}, closes_at = clock_timestamp() + make_interval(secs => ${windowS})
        where teacher_id = ${teacherId} and closes_at <= clock_timestamp()
        returning window_id, closes_at`),
    );
    if (reopened) return openWindow(tx, teacherId, reopened.window_id, new Date(reopened.closes_at));

    await tx.update(notifications).set({ digestWindowId: window!.windowId }).where(eq(notifications.id, notification.id));
    return { kind: 'gathered', windowId: window!.windowId };
  });
}

export type DigestOutcome = { outcome: 'nothing_waiting' } | { outcome: 'written'; count: number; notificationId: string | null };

/** The review-digest job of a closed window: write the teacher's review.digest of the rows gathered into it and still waiting. */
export async function sendReviewDigest(ctx: Pick<MessagingDeps, 'db'>, teacherId: string, windowId: string): Promise<DigestOutcome> {
  return ctx.db.transaction(async (tx) => {
    // Wait for gatherings into this window still in progress: they commit before the count or land in the next window.
    await tx.select({ teacherId: reviewDigestWindows.teacherId }).from(reviewDigestWindows).where(eq(reviewDigestWindows.teacherId, teacherId)).for('update');
    const waiting = await tx
      .select({ versionId: profileVersions.id })
      .from(notifications)
      .innerJoin(profileVersions, sql`${profileVersions.id} = (${notifications.data}->>'versionId')::uuid`)
      .where(and(eq(notifications.digestWindowId, windowId), eq(notifications.kind, 'review.waiting'), sql`${profileVersions.status} in ('pending_review', 'disputed')`))
      .orderBy(notifications.createdAt);
    const versionIds = [...new Set(waiting.map((w) => w.versionId))];
    if (versionIds.length === 0) return { outcome: 'nothing_waiting' };
    const count = versionIds.length;
    const only = count === 1 ? versionIds[0]! : null;
    const dedupKey = `review.digest:${windowId}`;
    await writeNotification(tx, {
      accountId: teacherId,
      kind: 'review.digest',
      dedupKey,
      data: { count, ...(only ? { versionId: only } : {}) },
      pagePath: only ? reviewDetailPage(only) : REVIEW_LIST_PAGE,
    });
    const [row] = await tx.select({ id: notifications.id }).from(notifications).where(eq(notifications.dedupKey, dedupKey));
    return { outcome: 'written', count, notificationId: row?.id ?? null };
  });
}
