/**
 * Approving a profile version: the one path every approval takes, automatic
 * (the registry confirmed every key field) or by a teacher. It runs inside the
 * caller's transaction, with the version and student rows already locked, so
 * later steps of an approval (issuing the card number, notifying the family
 * through the outbox) belong here and commit or roll back with the decision.
 */
import { and, eq, isNull, or, sql } from 'drizzle-orm';
import { transition, type ReviewState } from '../../domain/review/state-machine';
import type { Tx } from '../db/client';
import { auditLog, profileVersions, students, type AccountRole } from '../db/schema';

export type ProfileVersionRow = typeof profileVersions.$inferSelect;

/** Who decides: the system (registry match) or a person. */
export type ReviewActor = { kind: 'system' } | { kind: 'account'; accountId: string; role: AccountRole };

export const SYSTEM_ACTOR: ReviewActor = { kind: 'system' };

/**
 * Approve `version` (whose `status` is its current state: `matching` for the
 * registry match, `pending_review` for a teacher) and make it the student's
 * approved version. Writes the audit row ('review.auto_matched' for the
 * system, 'review.approved' for a person). Returns the new state.
 */
export async function approveVersion(
  tx: Tx,
  version: Pick<ProfileVersionRow, 'id' | 'studentId' | 'status'>,
  by: ReviewActor,
  audit: { detail?: Record<string, unknown> } = {},
): Promise<ReviewState> {
  const status = transition(version.status as ReviewState, {
    type: by.kind === 'system' ? 'match_approved' : 'teacher_approve',
  });
  await tx
    .update(profileVersions)
    .set({
      status,
      statusChangedAt: sql`now()`,
      decidedAt: sql`now()`,
      ...(by.kind === 'account' ? { reviewedBy: by.accountId, reviewedAt: sql`now()` } : {}),
    })
    .where(eq(profileVersions.id, version.id));
  await tx
    .update(students)
    .set({ status, approvedVersionId: version.id, updatedAt: sql`now()` })
    .where(and(eq(students.id, version.studentId), currentVersionIs(version.id)));
  await tx.insert(auditLog).values({
    actorAccountId: by.kind === 'account' ? by.accountId : null,
    actorRole: by.kind === 'account' ? by.role : 'system',
    action: by.kind === 'system' ? 'review.auto_matched' : 'review.approved',
    subjectType: 'profile_version',
    subjectId: version.id,
    detail: { studentId: version.studentId, ...audit.detail },
  });
  return status;
}

/**
 * The student's status follows its latest version only: a decision on an
 * older version (a newer one was submitted meanwhile) leaves it alone. Rows
 * without a current version pointer count as pointing at this one.
 */
export function currentVersionIs(versionId: string) {
  return or(isNull(students.currentVersionId), eq(students.currentVersionId, versionId));
}
