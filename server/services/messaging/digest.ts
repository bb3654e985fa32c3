/**
 * The teacher's 待审核 digest (issue #5 §3). Every review.waiting notification
 * adds a digests job keyed by the teacher with BullMQ deduplication in
 * throttle mode — `deduplication: { id: digest-<teacherId>, ttl: window }` and
 * `delay: window` — so the first waiting submission opens a window, the ones
 * arriving inside it are absorbed, and one job runs when the window closes
 * (ttl = delay: the key expires exactly when the job becomes due, so a
 * submission arriving later starts the next window; none is lost).
 *
 * The job counts, at send time, the versions pending review assigned to the
 * teacher: none → nothing is sent; one → the message opens its detail page;
 * more → the list. The digest is itself a notification row (kind
 * review.digest, dedup key per job id, so a retried job reuses it), delivered
 * through the teacher route like any other.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import { REVIEW_LIST_PAGE, reviewDetailPage } from '../../../domain/messaging/messages';
import { notifications, profileVersions } from '../../db/schema';
import { deliverNotification, type DeliveryOutcome, type MessagingContext } from './deliver';

export function digestDeduplicationId(teacherId: string): string {
  return `digest-${teacherId}`;
}

/** The job options of a digest: one per teacher per DIGEST_WINDOW_S. */
export function digestJobOptions(teacherId: string, windowS: number) {
  const ms = windowS * 1000;
  return { deduplication: { id: digestDeduplicationId(teacherId), ttl: ms }, delay: ms };
}

export async function pendingReviewsOf(ctx: Pick<MessagingContext, 'db'>, teacherId: string): Promise<{ count: number; firstVersionId: string | null }> {
  const where = and(eq(profileVersions.assignedReviewerId, teacherId), eq(profileVersions.status, 'pending_review'));
  const [row] = await ctx.db.select({ count: sql<number>`count(*)::int` }).from(profileVersions).where(where);
  const count = row?.count ?? 0;
  if (count !== 1) return { count, firstVersionId: null };
  const [first] = await ctx.db.select({ id: profileVersions.id }).from(profileVersions).where(where).orderBy(asc(profileVersions.statusChangedAt)).limit(1);
  return { count, firstVersionId: first?.id ?? null };
}

export type DigestOutcome = { outcome: 'nothing_waiting' } | (DeliveryOutcome & { count: number; notificationId: string });

/** Run one digest job (`jobId` makes the digest row idempotent across retries). */
export async function sendReviewDigest(ctx: MessagingContext, teacherId: string, jobId: string): Promise<DigestOutcome> {
  const dedupKey = `review.digest:${teacherId}:${jobId}`;
  let [row] = await ctx.db.select().from(notifications).where(eq(notifications.dedupKey, dedupKey));
  if (!row) {
    const { count, firstVersionId } = await pendingReviewsOf(ctx, teacherId);
    if (count === 0) return { outcome: 'nothing_waiting' };
    [row] = await ctx.db
      .insert(notifications)
      .values({
        accountId: teacherId,
        kind: 'review.digest',
        dedupKey,
        data: { count, ...(firstVersionId ? { versionId: firstVersionId } : {}) },
        pagePath: firstVersionId ? reviewDetailPage(firstVersionId) : REVIEW_LIST_PAGE,
        // Delivered right here: the relay of undispatched rows must not queue it again.
        dispatchedAt: new Date(),
      })
      .onConflictDoNothing({ target: notifications.dedupKey })
      .returning();
    row ??= (await ctx.db.select().from(notifications).where(eq(notifications.dedupKey, dedupKey)))[0];
  }
  const result = await deliverNotification(ctx, row!.id);
  return { ...result, count: Number((row!.data as { count?: unknown }).count ?? 0), notificationId: row!.id };
}
