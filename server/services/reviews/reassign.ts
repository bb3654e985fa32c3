/**
 * Waiting reviews follow whoever reviews their class now. A review is assigned
 * when it starts waiting (findReviewers: the class's active head teacher, else
 * the school's longest-standing active administrator, else nobody); when that
 * changes later — a head teacher assigned by the console or a teachers file,
 * activated, disabled — the waiting reviews of the classes involved are
 * assigned again by the same rule, and each new reviewer is told (a
 * review.waiting row per moved review, delivered as their debounced digest).
 *
 * "Waiting" is the student's latest version in pending_review or disputed.
 * Runs inside the caller's transaction, after the change it follows.
 */
import { sql } from 'drizzle-orm';
import { rowsOf, type Tx } from '../../db/client';
import { findReviewers } from './reviewer-handover';
import { reviewDetailPagePath, writeNotifications } from '../notifications/notifications';

export interface MovedReview {
  versionId: string;
  studentId: string;
  classId: string;
  reviewerId: string | null;
}

/** Reassign the waiting reviews of these classes; the ones whose reviewer changed. */
export async function reassignWaitingReviews(tx: Tx, classIds: readonly string[]): Promise<MovedReview[]> {
  const unique = [...new Set(classIds)];
  if (unique.length === 0) return [];
  const waiting = rowsOf<{ id: string; student_id: string; class_id: string; school_id: string | null; assigned_reviewer_id: string | null }>(
    await tx.execute(sql`
      select v.id, v.student_id, v.class_id, v.school_id, v.assigned_reviewer_id
        from profile_versions v
        join students st on st.id = v.student_id and st.current_version_id = v.id
       where v.class_id = any(${`{${unique.join(',')}}`}::uuid[]) and v.status in ('pending_review', 'disputed')
       for no key update of v`),
  );
  if (waiting.length === 0) return [];
  const reviewers = await findReviewers(
    tx,
    waiting.map((v) => ({ classId: v.class_id, schoolId: v.school_id })),
  );
  const moved: MovedReview[] = [];
  waiting.forEach((v, i) => {
    const reviewerId = reviewers[i] ?? null;
    if (reviewerId !== v.assigned_reviewer_id) moved.push({ versionId: v.id, studentId: v.student_id, classId: v.class_id, reviewerId });
  });
  if (moved.length === 0) return [];
  await tx.execute(sql`
    update profile_versions v
       set assigned_reviewer_id = u.reviewer_id
      from jsonb_to_recordset(${JSON.stringify(moved.map((m) => ({ version_id: m.versionId, reviewer_id: m.reviewerId })))}::jsonb)
           as u(version_id uuid, reviewer_id uuid)
     where v.id = u.version_id`);
  await writeNotifications(
    tx,
    moved.flatMap((m) =>
      m.reviewerId
        ? [
            {
              accountId: m.reviewerId,
              kind: 'review.waiting' as const,
              dedupKey: `review.waiting:${m.versionId}:${m.reviewerId}`,
              data: { versionId: m.versionId, studentId: m.studentId, outcome: 'reassigned', diffFields: [] },
              pagePath: reviewDetailPagePath(m.versionId),
            },
          ]
        : [],
    ),
  );
  return moved;
}

/** The classes this teacher is head teacher of (their waiting reviews follow the teacher's status). */
export async function classesHeadedBy(tx: Tx, teacherId: string): Promise<string[]> {
  return rowsOf<{ id: string }>(await tx.execute(sql`select id from classes where head_teacher_id = ${teacherId}`)).map((r) => r.id);
}

/**
 * Every class of these schools that has waiting reviews with nobody (or an
 * inactive account) to review them: for when a school gets its first active
 * administrator.
 */
export async function reassignStrandedReviews(tx: Tx, schoolIds: readonly string[]): Promise<MovedReview[]> {
  if (schoolIds.length === 0) return [];
  const classIds = rowsOf<{ class_id: string }>(
    await tx.execute(sql`
      select distinct v.class_id
        from classes k
        join profile_versions v on v.class_id = k.id and v.status in ('pending_review', 'disputed')
        left join accounts r on r.id = v.assigned_reviewer_id
       where k.school_id = any(${`{${[...new Set(schoolIds)].join(',')}}`}::uuid[])
         and (r.id is null or r.status <> 'active')`),
  ).map((r) => r.class_id);
  return reassignWaitingReviews(tx, classIds);
}
