/**
 * Approving a profile version: the one path every approval takes, automatic
 * (the registry confirmed every key field) or by a teacher. It runs inside the
 * caller's transaction, with the student and version rows already locked
 * (student first), so everything an approval does commits or rolls back with
 * the decision:
 *
 * 1. the state machine moves the version to `approved`;
 * 2. the student follows (status, approved_version_id, the approved ID's blind
 *    index, the class, the current semester's reconfirmation mark) when the
 *    version is its latest one;
 * 3. at the student's first approval the education card number is issued from
 *    card_number_seq (domain/card/card-number.ts); later approvals (a key-field
 *    change, a semester reconfirmation) keep the card;
 * 4. the audit row ('review.auto_matched' or 'review.approved');
 * 5. the family's notification row (kind review.approved, with the card number),
 *    also for automatic approvals;
 * 6. the class notices still live reach the student now holding a valid card
 *    in its (possibly new) class (notices/catch-up.ts).
 *
 * One resident ID is authenticated under one student at most: the partial
 * unique index students_approved_resident_id_uq guarantees it. approveVersion
 * checks first (IdAlreadyApprovedError, the transaction still usable) and
 * translates the index's 23505 — two approvals of the same ID racing — into
 * the same error (the transaction is then aborted: the caller must let it roll
 * back). The HTTP layer answers 409 ID_ALREADY_APPROVED; the registry match
 * sends such a version to a person instead (see registry-matching/).
 *
 * approveVersions does all of this for many versions (of distinct students)
 * in a fixed number of statements — the registry match decides in batches —
 * and approveVersion is approveVersions of one, so both share every rule.
 */
import { and, eq, inArray, isNotNull, isNull, or, sql } from 'drizzle-orm';
import { formatCardNumber, EDUCARD_PROVINCE_CODE } from '../../../domain/card/card-number';
import { AppError } from '../../../domain/errors';
import { maskName } from '../../../domain/masking';
import { TRANSITIONS, transition, type ApprovalEvidence, type ReviewState } from '../../../domain/review/state-machine';
import { chinaDate } from '../../../domain/time/calendar-date';
import type { DbOrTx, Tx } from '../../db/client';
import { isUniqueViolation } from '../../db/pg-errors';
import { profileVersions, students, type AccountRole } from '../../db/schema';
import { addLiveNoticeRecipients } from '../notices/catch-up';
import { studentStatusPagePath, writeNotifications } from '../notifications/notifications';
import { currentSemester } from '../semesters/semesters';
import { writeAudit } from '../audit/audit';

export type ProfileVersionRow = typeof profileVersions.$inferSelect;

/** Who decides: the system (registry match) or a person. */
export type ReviewActor = { kind: 'system' } | { kind: 'account'; accountId: string; role: AccountRole };

export const SYSTEM_ACTOR: ReviewActor = { kind: 'system' };

/** Name of the partial unique index: one approved student per resident ID. */
export const APPROVED_RESIDENT_ID_INDEX = 'students_approved_resident_id_uq';

/** The resident ID of the version is already authenticated under another student (409 ID_ALREADY_APPROVED). */
export class IdAlreadyApprovedError extends AppError {
  constructor(options: { cause?: unknown } = {}) {
    super('ID_ALREADY_APPROVED', options);
    this.name = 'IdAlreadyApprovedError';
  }
}

/** Whether another student holds an approved version of this resident ID (blind index). */
export async function residentIdApprovedElsewhere(
  db: DbOrTx,
  version: Pick<ProfileVersionRow, 'studentId' | 'residentIdIndex'>,
): Promise<boolean> {
  return (await residentIdsApprovedElsewhere(db, [version])).has(version.residentIdIndex);
}

/**
 * residentIdApprovedElsewhere for many versions in one statement: the blind
 * indexes of `versions` whose ID another student (not the version's own) holds
 * an approved version of.
 */
export async function residentIdsApprovedElsewhere(
  db: DbOrTx,
  versions: readonly Pick<ProfileVersionRow, 'studentId' | 'residentIdIndex'>[],
): Promise<Set<string>> {
  if (versions.length === 0) return new Set();
  const holders = await db
    .select({ id: students.id, residentIdIndex: students.residentIdIndex })
    .from(students)
    .where(and(inArray(students.residentIdIndex, unique(versions.map((v) => v.residentIdIndex))), isNotNull(students.approvedVersionId)));
  const taken = new Set<string>();
  for (const v of versions) {
    if (holders.some((h) => h.residentIdIndex === v.residentIdIndex && h.id !== v.studentId)) taken.add(v.residentIdIndex);
  }
  return taken;
}

export type ApprovableVersion = Pick<ProfileVersionRow, 'id' | 'studentId' | 'status' | 'residentIdIndex' | 'classId' | 'data'> & {
  /**
   * What the approval rests on (profile_versions.approval_evidence): the system's approvals name it
   * (guardian_phone, none_allowed_by_setting); a person's approval is 'teacher' whatever is given.
   */
  evidence?: ApprovalEvidence;
};

export interface ApprovalAudit {
  detail?: Record<string, unknown>;
  ip?: string | null;
  requestId?: string | null;
  /** The state machine's event; default match_approved for the system, teacher_approve for a person. */
  event?: 'match_approved' | 'teacher_approve' | 'dispute_transfer';
}

/**
 * Approve `version` (whose `status` is its current state: `matching` for the
 * registry match, `pending_review` for a teacher); see the module comment.
 * Returns the new state. Throws ReviewTransitionError (409) when the state
 * machine refuses, IdAlreadyApprovedError (409) when the ID is taken.
 */
export async function approveVersion(tx: Tx, version: ApprovableVersion, by: ReviewActor, audit: ApprovalAudit = {}): Promise<ReviewState> {
  const [status] = await approveVersions(tx, [version], by, audit);
  return status!;
}

/**
 * approveVersion for many versions of distinct students at once, with a fixed
 * number of statements (the registry match decides in batches). All or
 * nothing: any refusal throws (ReviewTransitionError, IdAlreadyApprovedError —
 * after the pre-check the transaction is still usable, after the unique index
 * refused it is aborted) and nothing of the call is kept by a caller that rolls
 * back. Returns the new state of each version, in order.
 */
export async function approveVersions(
  tx: Tx,
  versions: readonly ApprovableVersion[],
  by: ReviewActor,
  audit: ApprovalAudit = {},
): Promise<ReviewState[]> {
  if (versions.length === 0) return [];
  const event = audit.event ?? (by.kind === 'system' ? 'match_approved' : 'teacher_approve');
  const statuses = versions.map((v) => transition(v.status as ReviewState, { type: event }));
  // A person's approval is its own evidence; the system's names it (an approval without is recorded as none: null,
  // counted among the approvals without guardian evidence).
  const evidenceOf = (v: ApprovableVersion): ApprovalEvidence | null => (by.kind === 'account' ? 'teacher' : (v.evidence ?? null));
  const evidences = versions.map(evidenceOf);
  const status = TRANSITIONS[event].to;
  const studentIds = versions.map((v) => v.studentId);
  if (new Set(studentIds).size !== studentIds.length) throw new Error('approveVersions takes one version per student');
  if ((await residentIdsApprovedElsewhere(tx, versions)).size > 0) throw new IdAlreadyApprovedError();

  const versionIds = versions.map((v) => v.id);
  await tx
    .update(profileVersions)
    .set({
      status,
      statusChangedAt: sql`now()`,
      decidedAt: sql`now()`,
      ...(by.kind === 'account' ? { reviewedBy: by.accountId, reviewedAt: sql`now()` } : {}),
    })
    .where(inArray(profileVersions.id, versionIds));
  for (const evidence of new Set(evidences)) {
    if (evidence === null) continue;
    await tx
      .update(profileVersions)
      .set({ approvalEvidence: evidence })
      .where(inArray(profileVersions.id, versions.filter((_, i) => evidences[i] === evidence).map((v) => v.id)));
  }

  const found = await tx
    .select({
      id: students.id,
      familyAccountId: students.familyAccountId,
      cardNumber: students.cardNumber,
      currentVersionId: students.currentVersionId,
    })
    .from(students)
    .where(inArray(students.id, studentIds));
  const studentOf = new Map(found.map((s) => [s.id, s]));
  for (const v of versions) {
    if (!studentOf.has(v.studentId)) throw new Error(`student ${v.studentId} of version ${v.id} not found`);
  }

  // The student follows its latest version only (currentVersionIs); the rows are locked by the caller, so
  // which students follow — and which of them get their first card — is known before the update.
  const follows = versions.filter((v) => {
    const current = studentOf.get(v.studentId)!.currentVersionId;
    return current === null || current === v.id;
  });
  const firstCards = follows.filter((v) => !studentOf.get(v.studentId)!.cardNumber);
  const issued = await issueCardNumbers(tx, firstCards.length);
  const cardOf = new Map(firstCards.map((v, i) => [v.studentId, issued[i]!]));

  if (follows.length > 0) {
    // An approval of the latest version confirms the school information for the current semester.
    const semester = await currentSemester(tx);
    const rows = follows.map((v) => ({
      student_id: v.studentId,
      version_id: v.id,
      resident_id_index: v.residentIdIndex,
      class_id: v.classId,
      card_number: cardOf.get(v.studentId) ?? null,
    }));
    try {
      await tx.execute(sql`
        update students s
           set status = ${status},
               approved_version_id = u.version_id,
               resident_id_index = u.resident_id_index,
               class_id = coalesce(u.class_id, s.class_id),
               card_number = coalesce(u.card_number, s.card_number),
               card_issued_at = case when u.card_number is null then s.card_issued_at else now() end,
               card_revoked_at = case when u.card_number is null then s.card_revoked_at else null end,
               reconfirmed_semester_id = coalesce(${semester?.id ?? null}::uuid, s.reconfirmed_semester_id),
               updated_at = now()
          from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
               as u(student_id uuid, version_id uuid, resident_id_index text, class_id uuid, card_number text)
         where s.id = u.student_id
           and (s.current_version_id is null or s.current_version_id = u.version_id) -- currentVersionIs, per row`);
    } catch (err) {
      if (isUniqueViolation(err, APPROVED_RESIDENT_ID_INDEX)) throw new IdAlreadyApprovedError({ cause: err });
      throw err;
    }
    await addLiveNoticeRecipients(tx, follows.map((v) => v.studentId));
  }

  await writeAudit(
    tx,
    versions.map((v) => ({
      actor: by.kind === 'account' ? { id: by.accountId, role: by.role } : ('system' as const),
      action: by.kind === 'system' ? 'review.auto_matched' : 'review.approved',
      subject: { type: 'profile_version', id: v.id },
      meta: { ip: audit.ip ?? null, requestId: audit.requestId ?? null },
      detail: { studentId: v.studentId, cardIssued: cardOf.has(v.studentId), evidence: evidenceOf(v), ...audit.detail },
    })),
  );

  await writeNotifications(
    tx,
    versions.map((v) => {
      const student = studentOf.get(v.studentId)!;
      const name = (v.data as { personal?: { name?: unknown } } | null)?.personal?.name;
      return {
        accountId: student.familyAccountId,
        kind: 'review.approved' as const,
        dedupKey: `review.approved:${v.id}`,
        pagePath: studentStatusPagePath(v.studentId),
        data: {
          studentId: v.studentId,
          versionId: v.id,
          studentNameMasked: typeof name === 'string' ? maskName(name) : null,
          cardNumber: cardOf.get(v.studentId) ?? student.cardNumber,
          automatic: by.kind === 'system',
        },
      };
    }),
  );
  return statuses;
}

/** The next education card number (nextval: never reused, even when the transaction rolls back). */
export async function issueCardNumber(tx: DbOrTx, now: Date = new Date()): Promise<string> {
  const [number] = await issueCardNumbers(tx, 1, now);
  return number!;
}

/** `count` education card numbers from one statement (one nextval per number; see issueCardNumber). */
export async function issueCardNumbers(tx: DbOrTx, count: number, now: Date = new Date()): Promise<string[]> {
  if (count <= 0) return [];
  const result = await tx.execute<{ seq: string }>(
    sql`select nextval('card_number_seq')::text as seq from generate_series(1, ${count}::int)`,
  );
  const rows = (result as unknown as { rows?: { seq: string }[] }).rows ?? (result as unknown as { seq: string }[]);
  if (rows.length !== count) throw new Error(`card_number_seq returned ${rows.length} of ${count} numbers`);
  const year = chinaDate(now).year;
  return rows.map((r) => formatCardNumber(BigInt(r.seq), { province: EDUCARD_PROVINCE_CODE, year }));
}

/**
 * The student's status follows its latest version only: a decision on an
 * older version (a newer one was submitted meanwhile) leaves it alone. Rows
 * without a current version pointer count as pointing at this one.
 */
export function currentVersionIs(versionId: string) {
  return or(isNull(students.currentVersionId), eq(students.currentVersionId, versionId));
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
