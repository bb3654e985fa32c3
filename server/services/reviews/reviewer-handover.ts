/**
 * Handing a version to a person: the reviewer of a version (the class's head
 * teacher, else a school administrator) and the hand-over itself. The
 * registry match sends what it cannot approve here, and so does the guardian
 * re-check of approvals without evidence.
 */
import { sql } from 'drizzle-orm';
import type { ReviewState } from '../../../domain/review/state-machine';
import { rowsOf, type Tx } from '../../db/client';
import { accounts } from '../../db/schema';
import { reviewDetailPagePath, writeNotifications } from '../notifications/notifications';
import type { ProfileVersionRow } from './review-approval';
import { writeAudit } from '../audit/audit';

/** What the audit row and the review.waiting notification say of why a person reviews. */
export interface HandOverDetail {
  outcome: string;
  diffFields: string[];
}

/**
 * The reviewer of each version, in order (one statement): the class's head teacher (when active), else the
 * longest-standing active administrator of the school, else nobody.
 */
export async function findReviewers(
  tx: Tx,
  versions: readonly Pick<ProfileVersionRow, 'classId' | 'schoolId'>[],
): Promise<(string | null)[]> {
  if (versions.length === 0) return [];
  const places = versions.map((v, i) => ({ ord: i, class_id: v.classId, school_id: v.schoolId }));
  const result = await tx.execute(sql`
    select p.ord, coalesce(head.id, admin.id) as "reviewerId"
      from jsonb_to_recordset(${JSON.stringify(places)}::jsonb) as p(ord int, class_id uuid, school_id uuid)
      left join classes c on c.id = p.class_id
      left join ${accounts} head on head.id = c.head_teacher_id and head.status = 'active'
      left join lateral (
        select a.id from ${accounts} a
         where head.id is null and a.school_id = p.school_id and a.role = 'school_admin' and a.status = 'active'
         order by a.created_at asc, a.id asc
         limit 1
      ) admin on true`);
  const reviewerOf = new Map(rowsOf<{ ord: number; reviewerId: string | null }>(result).map((r) => [Number(r.ord), r.reviewerId]));
  return versions.map((_, i) => reviewerOf.get(i) ?? null);
}

export interface SendToReviewer {
  version: Pick<ProfileVersionRow, 'id' | 'studentId'>;
  status: ReviewState;
  reviewerId: string | null;
  detail: HandOverDetail;
}

/**
 * pending_review: assign the reviewer, follow on the student, audit, and the review.waiting notification row to
 * the reviewer (the notification relay delivers it as the teacher's digest). One statement per table for any
 * number of versions (of distinct students).
 */
export async function sendToReviewers(tx: Tx, items: readonly SendToReviewer[]): Promise<void> {
  if (items.length === 0) return;
  const rows = items.map((item) => ({
    version_id: item.version.id,
    student_id: item.version.studentId,
    status: item.status,
    reviewer_id: item.reviewerId,
  }));
  const json = JSON.stringify(rows);
  await tx.execute(sql`
    update profile_versions v
       set status = u.status, assigned_reviewer_id = u.reviewer_id, status_changed_at = now()
      from jsonb_to_recordset(${json}::jsonb) as u(version_id uuid, student_id uuid, status text, reviewer_id uuid)
     where v.id = u.version_id`);
  await tx.execute(sql`
    update students s
       set status = u.status, updated_at = now()
      from jsonb_to_recordset(${json}::jsonb) as u(version_id uuid, student_id uuid, status text, reviewer_id uuid)
     where s.id = u.student_id
       and (s.current_version_id is null or s.current_version_id = u.version_id) -- currentVersionIs, per row`);
  await writeAudit(
    tx,
    items.map((item) => ({
      actor: 'system' as const,
      action: item.detail.outcome === 'dispute' ? 'review.dispute_filed' : 'review.sent_to_teacher',
      subject: { type: 'profile_version', id: item.version.id },
      detail: { studentId: item.version.studentId, assignedReviewerId: item.reviewerId, ...item.detail },
    })),
  );
  await writeNotifications(
    tx,
    items.flatMap((item) =>
      item.reviewerId
        ? [
            {
              accountId: item.reviewerId,
              kind: 'review.waiting' as const,
              dedupKey: `review.waiting:${item.version.id}`,
              data: { versionId: item.version.id, studentId: item.version.studentId, outcome: item.detail.outcome, diffFields: item.detail.diffFields },
              pagePath: reviewDetailPagePath(item.version.id),
            },
          ]
        : [],
    ),
  );
}
