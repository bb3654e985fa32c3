/**
 * Who is told when a dispute (身份申诉) is filed, in the transaction that files
 * it (registry-matching/match-versions.ts):
 *
 * - the family holding the card (the student whose approved version carries the
 *   same resident ID): a review.disputed notification (phase `filed`) twice,
 *   once over WeChat (subscribe, else template) and once by SMS
 *   (`deliverOn`), so the warning reaches them even when one channel fails;
 * - every active administrator of the claim's school besides the assigned
 *   reviewer (the head teacher, or the administrator who got it): review.waiting,
 *   as the reviewer's own row (sendToReviewers).
 *
 * Rows hold ids and masked names only.
 */
import { and, eq, inArray, isNotNull, ne } from 'drizzle-orm';
import { maskName } from '../../../domain/masking';
import type { DbOrTx, Tx } from '../../db/client';
import { accounts, profileVersions, students } from '../../db/schema';
import { reviewDetailPagePath, studentStatusPagePath, writeNotifications, type NotificationInput } from '../notifications/notifications';
import type { ProfileVersionRow } from './review-approval';

export interface CardHolder {
  studentId: string;
  familyAccountId: string;
  approvedVersionId: string;
  currentVersionId: string | null;
  cardNumber: string | null;
  cardRevokedAt: Date | null;
}

/** The student (other than the claim's own) that holds the claim's resident ID approved; undefined when none. */
export async function cardHolderOf(tx: DbOrTx, claim: Pick<ProfileVersionRow, 'studentId' | 'residentIdIndex'>): Promise<CardHolder | undefined> {
  const [holder] = await tx
    .select({
      studentId: students.id,
      familyAccountId: students.familyAccountId,
      approvedVersionId: students.approvedVersionId,
      currentVersionId: students.currentVersionId,
      cardNumber: students.cardNumber,
      cardRevokedAt: students.cardRevokedAt,
    })
    .from(students)
    .where(and(eq(students.residentIdIndex, claim.residentIdIndex), isNotNull(students.approvedVersionId), ne(students.id, claim.studentId)))
    .limit(1);
  return holder ? { ...holder, approvedVersionId: holder.approvedVersionId! } : undefined;
}

function nameOf(data: unknown): string {
  const name = (data as { personal?: { name?: unknown } } | null)?.personal?.name;
  return typeof name === 'string' ? name : '';
}

/** The holder family's review.disputed rows of one phase (WeChat and SMS), for a dispute about `claimVersionId`. */
export function holderNotices(
  holder: Pick<CardHolder, 'studentId' | 'familyAccountId'>,
  claimVersionId: string,
  phase: 'filed' | 'kept' | 'transferred',
  studentNameMasked: string | null,
): NotificationInput[] {
  return (['wechat', 'sms'] as const).map((deliverOn) => ({
    accountId: holder.familyAccountId,
    kind: 'review.disputed' as const,
    dedupKey: `review.disputed:${phase}:${claimVersionId}:${deliverOn}`,
    pagePath: studentStatusPagePath(holder.studentId),
    data: { studentId: holder.studentId, claimVersionId, phase, studentNameMasked, deliverOn },
  }));
}

/** The notifications of newly filed disputes (see the module comment); versions as locked by the match. */
export async function notifyDisputeFiled(tx: Tx, claims: readonly ProfileVersionRow[]): Promise<void> {
  if (claims.length === 0) return;
  const rows: NotificationInput[] = [];
  const assigned = await tx
    .select({ id: profileVersions.id, reviewerId: profileVersions.assignedReviewerId })
    .from(profileVersions)
    .where(inArray(profileVersions.id, claims.map((c) => c.id)));
  const reviewerOf = new Map(assigned.map((a) => [a.id, a.reviewerId]));
  const schoolIds = [...new Set(claims.flatMap((c) => (c.schoolId ? [c.schoolId] : [])))];
  const admins = schoolIds.length
    ? await tx
        .select({ id: accounts.id, schoolId: accounts.schoolId })
        .from(accounts)
        .where(and(inArray(accounts.schoolId, schoolIds), eq(accounts.role, 'school_admin'), eq(accounts.status, 'active')))
    : [];
  for (const claim of claims) {
    const holder = await cardHolderOf(tx, claim);
    const masked = maskName(nameOf(claim.data)) || null;
    if (holder) rows.push(...holderNotices(holder, claim.id, 'filed', masked));
    for (const admin of admins) {
      if (admin.schoolId !== claim.schoolId || admin.id === reviewerOf.get(claim.id)) continue;
      rows.push({
        accountId: admin.id,
        kind: 'review.waiting',
        dedupKey: `review.waiting:${claim.id}:${admin.id}`,
        pagePath: reviewDetailPagePath(claim.id),
        data: { versionId: claim.id, studentId: claim.studentId, outcome: 'dispute', diffFields: [] },
      });
    }
  }
  await writeNotifications(tx, rows);
}
