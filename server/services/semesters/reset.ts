/**
 * The semester reset (job semester-reset): every approved student is asked to
 * reconfirm the school information of the new semester.
 *
 * What moves: a student whose status is `approved`, whose card is not revoked,
 * whose latest version (students.current_version_id) is `approved` and was
 * decided before the semester opened, and who has not reconfirmed for this
 * semester. The state machine's `semester_reset` event applies to that latest
 * version *in place* (approved → reconfirm_required, like every event that
 * carries no new content); the student's status follows. Nothing else
 * changes: approved_version_id and the card number stay, so the card stays
 * valid while the family reconfirms (DESIGN §2). For each moved student, one
 * notification row to the family account (kind reconfirm.required).
 *
 * Batches: `batchSize` students (default config.SEMESTER_RESET_BATCH_SIZE)
 * per transaction, student rows locked (the order every review write uses:
 * student, then version) and re-checked under the lock. Resumable: the progress
 * is in the data (a moved student is reconfirm_required, a reconfirmed one
 * carries the semester id), so a re-run (retry after a crash, a re-delivered
 * job) continues where the previous run stopped and moves nobody twice. At the
 * end semesters.reset_completed_at is set; a job for a completed semester does
 * nothing.
 *
 * Students approved after the semester opened (a first submission during the
 * reset, a reconfirmation) are not moved: their information was checked in
 * this semester.
 */
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { maskName } from '../../../domain/masking';
import { transition, type ReviewState } from '../../../domain/review/state-machine';
import type { AppContext } from '../../context';
import { rowsOf, type Tx } from '../../db/client';
import { profileVersions, semesters, students } from '../../db/schema';
import { writeNotifications } from '../notifications/notifications';
import { deadlineDate, findSemester, type Semester } from './semesters';
import { writeAudit } from '../audit/audit';

export type ResetContext = Pick<AppContext, 'db' | 'config'>;

export interface ResetOptions {
  /** Students per transaction; default config.SEMESTER_RESET_BATCH_SIZE. */
  batchSize?: number;
  /**
   * Only students of classes of these schools (tests sharing one database; a
   * pilot). A scoped run never marks the semester completed.
   */
  onlySchoolIds?: readonly string[];
  /** Called after every committed batch (progress log). */
  onBatch?: (progress: { moved: number; batches: number }) => void;
}

export type ResetResult =
  | { status: 'semester_not_found' }
  | { status: 'already_completed'; semester: Semester }
  | { status: 'completed' | 'scoped_run_done'; semester: Semester; moved: number; batches: number };

/** The family's reconfirmation page of one student. */
export function reconfirmPagePath(studentId: string): string {
  return `pages/reconfirm/index?studentId=${studentId}`;
}

export function reconfirmRequiredDedupKey(semesterId: string, studentId: string): string {
  return `reconfirm.required:${semesterId}:${studentId}`;
}

/** Run (or resume) the reset of one semester; see the module comment. */
export async function resetSemester(ctx: ResetContext, semesterId: string, options: ResetOptions = {}): Promise<ResetResult> {
  const semester = await findSemester(ctx.db, semesterId);
  if (!semester) return { status: 'semester_not_found' };
  if (semester.resetCompletedAt) return { status: 'already_completed', semester };
  const batchSize = options.batchSize ?? ctx.config.SEMESTER_RESET_BATCH_SIZE;
  const scope = options.onlySchoolIds
    ? sql`and s.class_id in (select c.id from classes c where c.school_id = any(${sql.param([...options.onlySchoolIds])}::uuid[]))`
    : sql``;

  let cursor = '00000000-0000-0000-0000-000000000000';
  let moved = 0;
  let batches = 0;
  for (;;) {
    // The candidates after the cursor (no lock); the transaction re-checks them under the lock.
    const ids = rowsOf<{ id: string }>(
      await ctx.db.execute(sql`
        select s.id from students s
        join profile_versions v on v.id = s.current_version_id
        where s.id > ${cursor}::uuid
          and s.status = 'approved'
          and s.card_revoked_at is null
          and s.reconfirmed_semester_id is distinct from ${semester.id}::uuid
          and v.status = 'approved'
          and (v.decided_at is null or v.decided_at < ${semester.openedAt.toISOString()}::timestamptz)
          ${scope}
        order by s.id
        limit ${batchSize}`),
    ).map((r) => r.id);
    if (ids.length === 0) break;
    cursor = ids[ids.length - 1]!;
    moved += await ctx.db.transaction((tx) => resetBatch(tx, semester, ids));
    batches += 1;
    options.onBatch?.({ moved, batches });
  }

  if (options.onlySchoolIds) return { status: 'scoped_run_done', semester, moved, batches };
  const [done] = await ctx.db.transaction(async (tx) => {
    const rows = await tx
      .update(semesters)
      .set({ resetCompletedAt: sql`now()` })
      .where(and(eq(semesters.id, semester.id), isNull(semesters.resetCompletedAt)))
      .returning();
    if (rows.length > 0) {
      await writeAudit(tx, {
        actor: 'system',
        action: 'semester.reset_completed',
        subject: { type: 'semester', id: semester.id },
        // `moved` counts this run only: a resumed reset moved the others before.
        detail: { movedThisRun: moved, batches },
      });
    }
    return rows;
  });
  return { status: 'completed', semester: done ?? semester, moved, batches };
}

/** One transaction: lock, re-check, move, notify. Returns how many students moved. */
async function resetBatch(tx: Tx, semester: Semester, ids: string[]): Promise<number> {
  const locked = await tx
    .select({ id: students.id, familyAccountId: students.familyAccountId, currentVersionId: students.currentVersionId })
    .from(students)
    .where(
      and(
        inArray(students.id, ids),
        eq(students.status, 'approved'),
        isNull(students.cardRevokedAt),
        sql`${students.reconfirmedSemesterId} is distinct from ${semester.id}::uuid`,
      ),
    )
    .orderBy(students.id)
    .for('update');
  const versionIds = locked.flatMap((s) => (s.currentVersionId ? [s.currentVersionId] : []));
  if (versionIds.length === 0) return 0;
  const versions = await tx
    .select({ id: profileVersions.id, status: profileVersions.status, data: profileVersions.data, decidedAt: profileVersions.decidedAt })
    .from(profileVersions)
    .where(inArray(profileVersions.id, versionIds))
    .for('update');
  const versionById = new Map(versions.map((v) => [v.id, v]));

  const moves: Array<{ studentId: string; versionId: string; familyAccountId: string; status: ReviewState; name: unknown }> = [];
  for (const student of locked) {
    const version = student.currentVersionId ? versionById.get(student.currentVersionId) : undefined;
    if (!version || version.status !== 'approved') continue;
    if (version.decidedAt && version.decidedAt >= semester.openedAt) continue;
    const status = transition(version.status, { type: 'semester_reset' });
    moves.push({
      studentId: student.id,
      versionId: version.id,
      familyAccountId: student.familyAccountId,
      status,
      name: (version.data as { personal?: { name?: unknown } } | null)?.personal?.name,
    });
  }
  if (moves.length === 0) return 0;

  // Every move has the same target state (the machine's one answer for approved + semester_reset).
  const status = moves[0]!.status;
  await tx
    .update(profileVersions)
    .set({ status, statusChangedAt: sql`now()` })
    .where(inArray(profileVersions.id, moves.map((m) => m.versionId)));
  await tx
    .update(students)
    .set({ status, updatedAt: sql`now()` })
    .where(inArray(students.id, moves.map((m) => m.studentId)));
  const deadline = deadlineDate(semester.reconfirmDeadline);
  await writeNotifications(
    tx,
    moves.map((m) => ({
        accountId: m.familyAccountId,
        kind: 'reconfirm.required',
        dedupKey: reconfirmRequiredDedupKey(semester.id, m.studentId),
        pagePath: reconfirmPagePath(m.studentId),
        data: {
          studentId: m.studentId,
          semesterId: semester.id,
          semesterName: semester.name,
          deadline,
          studentNameMasked: typeof m.name === 'string' ? maskName(m.name) : null,
        },
      })),
  );
  return moves.length;
}
