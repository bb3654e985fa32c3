/**
 * Deciding a dispute (身份申诉): a submission whose resident ID is approved
 * under another student (state `disputed`, filed by the registry match). The
 * reviewer of the claim's class (its head teacher, or a school administrator)
 * decides, in one transaction, with both students and the claim locked:
 *
 * - keep: the card stays with the family holding it; the claim is returned
 *   (`dispute_keep`) with the reason, the claimant told (review.returned) and
 *   the holder told it keeps the card (review.disputed, phase kept);
 * - transfer: the holder's card is revoked (revokeHolderCard, the one call of
 *   the card service here) and its approval withdrawn (approved_version_id
 *   cleared; its latest version `dispute_lost` → returned when it is the
 *   approved one), then the claim is approved (`dispute_transfer`, through
 *   approveVersions: a card for the winner, review.approved); the holder is told
 *   (review.disputed, phase transferred).
 *
 * Every step is audited (review.dispute_kept / review.dispute_transferred on
 * the claim, review.dispute_lost on the holder's version, ecard.revoked).
 */
import { and, eq, sql } from 'drizzle-orm';
import { AppError } from '../../../domain/errors';
import { maskName } from '../../../domain/masking';
import { REVIEW_STATE_LABELS, canTransition, transition, type ReviewState } from '../../../domain/review/state-machine';
import type { DisputeDecision } from '../../../domain/api/reviews';
import type { AppContext } from '../../context';
import type { Tx } from '../../db/client';
import { profileVersions, students } from '../../db/schema';
import type { RequestMeta } from '../accounts/request-meta';
import { revokeCard } from '../ecard/ecard';
import { studentStatusPagePath, writeNotification, writeNotifications } from '../notifications/notifications';
import { writeAudit } from '../audit/audit';
import { approveVersion, currentVersionIs } from './review-approval';
import { lockStudentsThenVersions } from './review-locks';
import { cardHolderOf, holderNotices, type CardHolder } from './dispute-notices';
import { assertMayReview, type Reviewer } from './review-scope';
import type { DecisionResult } from './reviews';

export const DISPUTE_KEPT_REASON = '经学校核实，该学生的教育卡保留在原账号，如有疑问请联系班主任';
export const DISPUTE_LOST_REASON = '经学校核实，该学生的教育卡已转至另一账号，原卡已撤销';

function nameOf(data: unknown): string {
  const name = (data as { personal?: { name?: unknown } } | null)?.personal?.name;
  return typeof name === 'string' ? name : '';
}

/**
 * The holder's card revoked after a lost dispute. The one place this module calls the card service
 * (server/services/ecard): a change of revokeCard's signature is adapted here only.
 */
export async function revokeHolderCard(tx: Tx, holder: CardHolder, reviewer: Reviewer, claimVersionId: string): Promise<boolean> {
  const result = await revokeCard(tx, {
    studentId: holder.studentId,
    reason: '身份申诉经学校核实，教育卡已转至另一账号',
    actor: { id: reviewer.id, role: reviewer.role },
    detail: { dispute: true, claimVersionId },
  });
  return result.revoked;
}

export async function decideDispute(
  ctx: Pick<AppContext, 'db'>,
  reviewer: Reviewer,
  versionId: string,
  input: { decision: DisputeDecision; note?: string | undefined },
  meta: RequestMeta,
): Promise<DecisionResult> {
  return ctx.db.transaction(async (tx) => {
    const [ref] = await tx
      .select({ studentId: profileVersions.studentId, residentIdIndex: profileVersions.residentIdIndex })
      .from(profileVersions)
      .where(eq(profileVersions.id, versionId));
    if (!ref) throw new AppError('NOT_FOUND');
    const found = await cardHolderOf(tx, ref);
    // Both students locked in id order (concurrent decisions of one dispute take their locks in one order), then the claim.
    const [claim] = await lockStudentsThenVersions(tx, [versionId], found ? [found.studentId] : []);
    if (!claim) throw new AppError('NOT_FOUND');
    await assertMayReview(tx, reviewer, claim);
    const from = claim.status as ReviewState;
    const event = input.decision === 'keep' ? 'dispute_keep' : 'dispute_transfer';
    transition(from, { type: event }); // 409 unless the claim is still disputed
    const holder = await cardHolderOf(tx, ref); // as of the locks
    const note = input.note?.trim() || null;
    const masked = maskName(nameOf(claim.data)) || null;
    const actor = reviewer;

    if (input.decision === 'keep') {
      const status = transition(from, { type: 'dispute_keep' });
      const reason = note ? `${DISPUTE_KEPT_REASON}：${note}` : DISPUTE_KEPT_REASON;
      await tx
        .update(profileVersions)
        .set({ status, reviewReason: reason, reviewedBy: reviewer.id, reviewedAt: sql`now()`, decidedAt: sql`now()`, statusChangedAt: sql`now()` })
        .where(eq(profileVersions.id, claim.id));
      const [student] = await tx
        .update(students)
        .set({ status, updatedAt: sql`now()` })
        .where(and(eq(students.id, claim.studentId), currentVersionIs(claim.id)))
        .returning({ cardNumber: students.cardNumber });
      const [family] = await tx.select({ familyAccountId: students.familyAccountId, cardNumber: students.cardNumber }).from(students).where(eq(students.id, claim.studentId));
      await writeAudit(tx, {
        meta,
        actor,
        action: 'review.dispute_kept',
        subject: { type: 'profile_version', id: claim.id },
        detail: { studentId: claim.studentId, holderStudentId: holder?.studentId ?? null, note },
      });
      await writeNotification(tx, {
        accountId: family!.familyAccountId,
        kind: 'review.returned',
        dedupKey: `review.returned:${claim.id}`,
        pagePath: studentStatusPagePath(claim.studentId),
        data: { studentId: claim.studentId, versionId: claim.id, studentNameMasked: masked, reason },
      });
      if (holder) await writeNotifications(tx, holderNotices(holder, claim.id, 'kept', masked));
      return { versionId: claim.id, status, statusLabel: REVIEW_STATE_LABELS[status], cardNumber: student?.cardNumber ?? family!.cardNumber, reviewReason: reason };
    }

    // transfer: the holder loses first (the unique index admits one approved student per ID), then the claim wins.
    if (holder) {
      await revokeHolderCard(tx, holder, reviewer, claim.id);
      const [latest] = holder.currentVersionId
        ? await tx.select().from(profileVersions).where(eq(profileVersions.id, holder.currentVersionId)).for('update')
        : [];
      const loses = latest && canTransition(latest.status as ReviewState, 'dispute_lost') ? latest : undefined;
      const lostStatus = loses ? transition(loses.status as ReviewState, { type: 'dispute_lost' }) : undefined;
      if (loses && lostStatus) {
        await tx
          .update(profileVersions)
          .set({ status: lostStatus, reviewReason: DISPUTE_LOST_REASON, reviewedBy: reviewer.id, reviewedAt: sql`now()`, statusChangedAt: sql`now()` })
          .where(eq(profileVersions.id, loses.id));
      }
      await tx
        .update(students)
        .set({ approvedVersionId: null, ...(lostStatus ? { status: lostStatus } : {}), updatedAt: sql`now()` })
        .where(eq(students.id, holder.studentId));
      await writeAudit(tx, {
        meta,
        actor,
        action: 'review.dispute_lost',
        subject: { type: 'profile_version', id: holder.approvedVersionId },
        detail: { studentId: holder.studentId, claimVersionId: claim.id, cardNumber: holder.cardNumber, note },
      });
      await writeNotifications(tx, holderNotices(holder, claim.id, 'transferred', masked));
    }
    const status = await approveVersion(tx, claim, { kind: 'account', accountId: reviewer.id, role: reviewer.role }, {
      ip: meta.ip,
      requestId: meta.requestId,
      event: 'dispute_transfer',
      detail: { dispute: 'transferred', holderStudentId: holder?.studentId ?? null },
    });
    const [won] = await tx.select({ cardNumber: students.cardNumber }).from(students).where(eq(students.id, claim.studentId));
    await writeAudit(tx, {
      meta,
      actor,
      action: 'review.dispute_transferred',
      subject: { type: 'profile_version', id: claim.id },
      detail: { studentId: claim.studentId, holderStudentId: holder?.studentId ?? null, cardNumber: won?.cardNumber ?? null, note },
    });
    return { versionId: claim.id, status, statusLabel: REVIEW_STATE_LABELS[status], cardNumber: won?.cardNumber ?? null, reviewReason: null };
  });
}
