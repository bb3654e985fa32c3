/**
 * Approving a profile version: the one path every approval takes, automatic
 * (the registry confirmed every key field) or by a teacher. It runs inside the
 * caller's transaction, with the student and version rows already locked
 * (student first), so everything an approval does commits or rolls back with
 * the decision:
 *
 * 1. the state machine moves the version to `approved`;
 * 2. the student follows (status, approved_version_id, the approved ID's blind
 *    index, the class) when the version is its latest one;
 * 3. at the student's first approval the education card number is issued from
 *    card_number_seq (domain/card/card-number.ts); later approvals (a key-field
 *    change, a semester reconfirmation) keep the card;
 * 4. the audit row ('review.auto_matched' or 'review.approved');
 * 5. the family's notification row (kind review.approved, with the card number),
 *    also for automatic approvals.
 *
 * One resident ID is authenticated under one student at most: the partial
 * unique index students_approved_resident_id_uq guarantees it. approveVersion
 * checks first (IdAlreadyApprovedError, the transaction still usable) and
 * translates the index's 23505 — two approvals of the same ID racing — into
 * the same error (the transaction is then aborted: the caller must let it roll
 * back). The HTTP layer answers 409 ID_ALREADY_APPROVED; the registry match
 * sends such a version to a person instead (see registry-matching.ts).
 */
import { and, eq, isNotNull, isNull, ne, or, sql } from 'drizzle-orm';
import { formatCardNumber, EDUCARD_PROVINCE_CODE } from '../../domain/card/card-number';
import { AppError } from '../../domain/errors';
import { maskName } from '../../domain/masking';
import { transition, type ReviewState } from '../../domain/review/state-machine';
import { chinaDate } from '../../domain/time/calendar-date';
import type { DbOrTx, Tx } from '../db/client';
import { auditLog, profileVersions, students, type AccountRole } from '../db/schema';
import { studentStatusPagePath, writeNotification } from './notifications/notifications';
import { markReconfirmed } from './semesters/reconfirmed';

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

/** True when a Postgres unique violation of `constraint` is the error or its cause (drizzle wraps driver errors). */
export function isUniqueViolation(err: unknown, constraint: string): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const pg = e as { code?: unknown; constraint?: unknown };
    if (pg.code === '23505' && pg.constraint === constraint) return true;
  }
  return false;
}

/** Whether another student holds an approved version of this resident ID (blind index). */
export async function residentIdApprovedElsewhere(
  db: DbOrTx,
  version: Pick<ProfileVersionRow, 'studentId' | 'residentIdIndex'>,
): Promise<boolean> {
  const [row] = await db
    .select({ id: students.id })
    .from(students)
    .where(
      and(
        eq(students.residentIdIndex, version.residentIdIndex),
        isNotNull(students.approvedVersionId),
        ne(students.id, version.studentId),
      ),
    )
    .limit(1);
  return row !== undefined;
}

export type ApprovableVersion = Pick<ProfileVersionRow, 'id' | 'studentId' | 'status' | 'residentIdIndex' | 'classId' | 'data'>;

/**
 * Approve `version` (whose `status` is its current state: `matching` for the
 * registry match, `pending_review` for a teacher); see the module comment.
 * Returns the new state. Throws ReviewTransitionError (409) when the state
 * machine refuses, IdAlreadyApprovedError (409) when the ID is taken.
 */
export async function approveVersion(
  tx: Tx,
  version: ApprovableVersion,
  by: ReviewActor,
  audit: { detail?: Record<string, unknown>; ip?: string | null; requestId?: string | null } = {},
): Promise<ReviewState> {
  const status = transition(version.status as ReviewState, {
    type: by.kind === 'system' ? 'match_approved' : 'teacher_approve',
  });
  if (await residentIdApprovedElsewhere(tx, version)) throw new IdAlreadyApprovedError();

  await tx
    .update(profileVersions)
    .set({
      status,
      statusChangedAt: sql`now()`,
      decidedAt: sql`now()`,
      ...(by.kind === 'account' ? { reviewedBy: by.accountId, reviewedAt: sql`now()` } : {}),
    })
    .where(eq(profileVersions.id, version.id));

  const [student] = await tx
    .select({ familyAccountId: students.familyAccountId, cardNumber: students.cardNumber })
    .from(students)
    .where(eq(students.id, version.studentId));
  if (!student) throw new Error(`student ${version.studentId} of version ${version.id} not found`);

  let cardNumber = student.cardNumber;
  try {
    const [updated] = await tx
      .update(students)
      .set({
        status,
        approvedVersionId: version.id,
        residentIdIndex: version.residentIdIndex,
        ...(version.classId ? { classId: version.classId } : {}),
        updatedAt: sql`now()`,
      })
      .where(and(eq(students.id, version.studentId), currentVersionIs(version.id)))
      .returning({ id: students.id });
    if (updated && !cardNumber) {
      cardNumber = await issueCardNumber(tx);
      await tx
        .update(students)
        .set({ cardNumber, cardIssuedAt: sql`now()`, cardRevokedAt: null })
        .where(eq(students.id, version.studentId));
    }
    // An approval of the latest version confirms the school information for the current semester.
    if (updated) await markReconfirmed(tx, version.studentId);
  } catch (err) {
    if (isUniqueViolation(err, APPROVED_RESIDENT_ID_INDEX)) throw new IdAlreadyApprovedError({ cause: err });
    throw err;
  }

  await tx.insert(auditLog).values({
    actorAccountId: by.kind === 'account' ? by.accountId : null,
    actorRole: by.kind === 'account' ? by.role : 'system',
    action: by.kind === 'system' ? 'review.auto_matched' : 'review.approved',
    subjectType: 'profile_version',
    subjectId: version.id,
    ip: audit.ip ?? null,
    requestId: audit.requestId ?? null,
    detail: { studentId: version.studentId, cardIssued: cardNumber !== student.cardNumber, ...audit.detail },
  });

  const name = (version.data as { personal?: { name?: unknown } } | null)?.personal?.name;
  await writeNotification(tx, {
    accountId: student.familyAccountId,
    kind: 'review.approved',
    dedupKey: `review.approved:${version.id}`,
    pagePath: studentStatusPagePath(version.studentId),
    data: {
      studentId: version.studentId,
      versionId: version.id,
      studentNameMasked: typeof name === 'string' ? maskName(name) : null,
      cardNumber,
      automatic: by.kind === 'system',
    },
  });
  return status;
}

/** The next education card number (nextval: never reused, even when the transaction rolls back). */
export async function issueCardNumber(tx: DbOrTx, now: Date = new Date()): Promise<string> {
  const result = await tx.execute<{ seq: string }>(sql`select nextval('card_number_seq')::text as seq`);
  const rows = (result as unknown as { rows?: { seq: string }[] }).rows ?? (result as unknown as { seq: string }[]);
  const seq = rows[0]?.seq;
  if (!seq) throw new Error('card_number_seq returned nothing');
  return formatCardNumber(BigInt(seq), { province: EDUCARD_PROVINCE_CODE, year: chinaDate(now).year });
}

/**
 * The student's status follows its latest version only: a decision on an
 * older version (a newer one was submitted meanwhile) leaves it alone. Rows
 * without a current version pointer count as pointing at this one.
 */
export function currentVersionIs(versionId: string) {
  return or(isNull(students.currentVersionId), eq(students.currentVersionId, versionId));
}
