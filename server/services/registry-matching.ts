/**
 * The registry match (学籍比对): compare a submitted profile version with the
 * provincial student registry (学籍库) and decide what happens next.
 *
 * - Every key field equal (after normalisation) and the registry says 在籍 →
 *   the version is approved automatically.
 * - Otherwise the version goes to a person (pending_review), assigned to the
 *   class's head teacher, else to an administrator of the school, with the
 *   reason: `mismatch` (a field-level diff is stored), `not_found`, or
 *   `transient_status` (借读, 休学, … : the registry row is in flux).
 * - Every key field equal, but the resident ID is already authenticated under
 *   another student (students_approved_resident_id_uq): pending_review too
 *   (event reason 'mismatch', match_outcome stays 'matched', audit detail
 *   outcome 'id_already_approved'); the teacher can only return it. When two
 *   approvals of one ID race, the loser's unique violation fails the job
 *   (IdAlreadyApprovedError) and its retry lands here.
 *
 * Idempotent: only a version in `submitted` (or `matching`, left by an
 * interrupted run) is matched; a re-delivered job finds it decided and changes
 * nothing. The whole decision — version, student, audit row, and later the
 * notification outbox rows — is one transaction, with the student and version
 * rows locked (student first, the order every review write uses).
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import { compactIdentifier } from '../../domain/text/normalize';
import { diffKeyFields, type KeyField } from '../../domain/profile/key-fields';
import { maskResidentId } from '../../domain/masking';
import { normalizeResidentId } from '../../domain/identity/resident-id';
import { transition, type MatchReviewReason, type ReviewState } from '../../domain/review/state-machine';
import type { AppContext } from '../context';
import type { Tx } from '../db/client';
import { accounts, auditLog, classes, profileVersions, registryRecords, schools, students } from '../db/schema';
import { openProfilePii, readProfileData } from './profile-snapshot';
import { reviewDetailPagePath, writeNotification } from './notifications/notifications';
import { SYSTEM_ACTOR, approveVersion, currentVersionIs, residentIdApprovedElsewhere, type ProfileVersionRow } from './review-approval';

/** 学籍状态 of a student who is simply enrolled; anything else is transient for matching. */
export const REGISTRY_STATUS_ENROLLED = '在籍';

export type MatchOutcome = 'matched' | MatchReviewReason;

export type MatchDiffField = 'name' | 'residentId' | 'school' | 'grade' | 'class' | 'registryStatus';

/** One entry of profile_versions.match_diff. ID numbers are masked; school is the school code, class the class name. */
export interface MatchDiffEntry {
  field: MatchDiffField;
  submitted: string | null;
  registry: string | null;
}

/** The key fields of a version, in the registry's terms. */
export interface SubmittedKeyFields {
  name: string | null;
  residentId: string;
  schoolCode: string | null;
  grade: string | null;
  className: string | null;
}

export interface RegistryCandidate {
  /** registry_records.id */
  registryId: string;
  /** The decrypted ID of the row; absent when the row was found by the blind index of the submitted ID (then equal). */
  residentId?: string;
  name: string;
  schoolCode: string;
  grade: string;
  className: string;
  registryStatus: string;
}

export interface RegistryComparison {
  outcome: MatchOutcome;
  /** Null when matched or not found. */
  diff: MatchDiffEntry[] | null;
  /** registry_records.id of the row compared with; null when not found. */
  registryId: string | null;
}

export type RegistryMatchResult =
  | { changed: false; reason: 'version_not_found' | 'not_awaiting_match'; status?: string }
  | {
      changed: true;
      outcome: MatchOutcome;
      status: ReviewState;
      assignedReviewerId: string | null;
      matchedRegistryId: string | null;
      /** The registry matched, but the ID is authenticated under another student: sent to a person. */
      idAlreadyApproved?: true;
    };

export type MatchContext = Pick<AppContext, 'db' | 'pii'>;

const DIFF_FIELD: Record<KeyField, MatchDiffField> = {
  name: 'name',
  residentId: 'residentId',
  schoolId: 'school',
  grade: 'grade',
  classId: 'class',
};

/** Class names are compared without spaces and full-width forms ("３ 班" is "3班"). */
function normalizeClassName(value: string | null): string | null {
  return value === null ? null : compactIdentifier(value);
}

/**
 * Compare the submitted key fields with the registry rows found for the
 * resident ID (usually one; several when a student also has an old temporary
 * number). The closest row wins: fewest differing fields, then 在籍, then the
 * lowest row id, so the result does not depend on row order.
 */
export function compareWithRegistry(submitted: SubmittedKeyFields, candidates: readonly RegistryCandidate[]): RegistryComparison {
  if (candidates.length === 0) return { outcome: 'not_found', diff: null, registryId: null };
  const ranked = candidates
    .map((row) => {
      const enrolled = row.registryStatus.trim() === REGISTRY_STATUS_ENROLLED;
      const differences = diffKeyFields(
        {
          name: submitted.name,
          residentId: submitted.residentId,
          schoolId: submitted.schoolCode,
          grade: submitted.grade,
          classId: normalizeClassName(submitted.className),
        },
        {
          name: row.name,
          residentId: row.residentId ?? submitted.residentId,
          schoolId: row.schoolCode,
          grade: row.grade,
          classId: normalizeClassName(row.className),
        },
      );
      const diff: MatchDiffEntry[] = differences.map((d) => ({
        field: DIFF_FIELD[d.field],
        submitted: d.field === 'residentId' && d.submitted !== null ? maskResidentId(d.submitted) : d.submitted,
        registry: d.field === 'residentId' && d.registry !== null ? maskResidentId(d.registry) : d.registry,
      }));
      if (!enrolled) diff.push({ field: 'registryStatus', submitted: null, registry: row.registryStatus.trim() });
      return { row, enrolled, keyDifferences: differences.length, diff };
    })
    .sort(
      (a, b) =>
        a.keyDifferences - b.keyDifferences ||
        Number(b.enrolled) - Number(a.enrolled) ||
        (a.row.registryId < b.row.registryId ? -1 : a.row.registryId > b.row.registryId ? 1 : 0),
    );
  const best = ranked[0]!;
  if (best.keyDifferences > 0) return { outcome: 'mismatch', diff: best.diff, registryId: best.row.registryId };
  if (!best.enrolled) return { outcome: 'transient_status', diff: best.diff, registryId: best.row.registryId };
  return { outcome: 'matched', diff: null, registryId: best.row.registryId };
}

/** Statuses in which a version waits for the registry match. */
const AWAITING_MATCH: readonly string[] = ['submitted', 'matching'];

/** Match one profile version against the registry and record the decision (see the module comment). */
export async function matchProfileVersion(ctx: MatchContext, profileVersionId: string): Promise<RegistryMatchResult> {
  return ctx.db.transaction(async (tx) => {
    const [ref] = await tx
      .select({ studentId: profileVersions.studentId })
      .from(profileVersions)
      .where(eq(profileVersions.id, profileVersionId));
    if (!ref) return { changed: false, reason: 'version_not_found' };
    await tx.select({ id: students.id }).from(students).where(eq(students.id, ref.studentId)).for('update');
    const [version] = await tx.select().from(profileVersions).where(eq(profileVersions.id, profileVersionId)).for('update');
    if (!version) return { changed: false, reason: 'version_not_found' };
    if (!AWAITING_MATCH.includes(version.status)) return { changed: false, reason: 'not_awaiting_match', status: version.status };

    const matching =
      version.status === 'matching' ? 'matching' : transition(version.status as ReviewState, { type: 'start_matching' });
    const submitted = await submittedKeyFields(ctx, tx, version);
    const candidates = await tx
      .select({
        registryId: registryRecords.id,
        name: registryRecords.name,
        schoolCode: registryRecords.schoolCode,
        grade: registryRecords.grade,
        className: registryRecords.className,
        registryStatus: registryRecords.registryStatus,
      })
      .from(registryRecords)
      .where(eq(registryRecords.residentIdIndex, ctx.pii.blindIndex('resident_id', submitted.residentId)));
    const comparison = compareWithRegistry(submitted, candidates);

    await tx
      .update(profileVersions)
      .set({
        matchOutcome: comparison.outcome,
        matchDiff: comparison.diff,
        matchedRegistryId: comparison.registryId,
      })
      .where(eq(profileVersions.id, version.id));

    // The registry confirms the child, but the ID is already authenticated under another student (another
    // account, or a second entry of the same family): a person decides (they can only return it — approving
    // answers 409 ID_ALREADY_APPROVED — but they can tell the family why, and the school can sort it out).
    const idTaken = comparison.outcome === 'matched' && (await residentIdApprovedElsewhere(tx, version));
    if (comparison.outcome === 'matched' && !idTaken) {
      const status = await approveVersion(tx, { ...version, status: matching }, SYSTEM_ACTOR, {
        detail: { outcome: comparison.outcome },
      });
      return {
        changed: true,
        outcome: comparison.outcome,
        status,
        assignedReviewerId: null,
        matchedRegistryId: comparison.registryId,
      };
    }

    // The state machine knows three reasons for a person to review; a taken ID travels as 'mismatch' (the
    // account does not match the registry's child) while match_outcome keeps what the registry said ('matched').
    const reason: MatchReviewReason = comparison.outcome === 'matched' ? 'mismatch' : comparison.outcome;
    const status = transition(matching, { type: 'match_needs_review', reason });
    const reviewerId = await findReviewer(tx, version);
    await sendToReviewer(tx, version, status, reviewerId, {
      outcome: idTaken ? 'id_already_approved' : reason,
      diffFields: comparison.diff?.map((d) => d.field) ?? [],
    });
    return {
      changed: true,
      outcome: idTaken ? 'matched' : reason,
      status,
      assignedReviewerId: reviewerId,
      matchedRegistryId: comparison.registryId,
      ...(idTaken ? { idAlreadyApproved: true as const } : {}),
    };
  });
}

async function submittedKeyFields(ctx: MatchContext, tx: Tx, version: ProfileVersionRow): Promise<SubmittedKeyFields> {
  const pii = openProfilePii(ctx.pii, version.piiCipher);
  const data = readProfileData(version.data);
  const [school] = version.schoolId
    ? await tx.select({ code: schools.code }).from(schools).where(eq(schools.id, version.schoolId))
    : [];
  const [klass] = version.classId
    ? await tx.select({ name: classes.name }).from(classes).where(eq(classes.id, version.classId))
    : [];
  return {
    name: data.personal.name,
    residentId: normalizeResidentId(pii.studentResidentId),
    schoolCode: school?.code ?? null,
    grade: version.grade,
    className: klass?.name ?? null,
  };
}

/** The class's head teacher (when active), else the longest-standing active administrator of the school, else nobody. */
export async function findReviewer(
  tx: Tx,
  version: Pick<ProfileVersionRow, 'classId' | 'schoolId'>,
): Promise<string | null> {
  if (version.classId) {
    const [head] = await tx
      .select({ id: accounts.id })
      .from(classes)
      .innerJoin(accounts, eq(accounts.id, classes.headTeacherId))
      .where(and(eq(classes.id, version.classId), eq(accounts.status, 'active')));
    if (head) return head.id;
  }
  if (version.schoolId) {
    const [admin] = await tx
      .select({ id: accounts.id })
      .from(accounts)
      .where(and(eq(accounts.schoolId, version.schoolId), eq(accounts.role, 'school_admin'), eq(accounts.status, 'active')))
      .orderBy(asc(accounts.createdAt), asc(accounts.id))
      .limit(1);
    if (admin) return admin.id;
  }
  return null;
}

/** pending_review: assign the reviewer, follow on the student, audit. Notifications to the reviewer join here (outbox). */
async function sendToReviewer(
  tx: Tx,
  version: ProfileVersionRow,
  status: ReviewState,
  reviewerId: string | null,
  detail: { outcome: MatchReviewReason | 'id_already_approved'; diffFields: MatchDiffField[] },
): Promise<void> {
  await tx
    .update(profileVersions)
    .set({ status, assignedReviewerId: reviewerId, statusChangedAt: sql`now()` })
    .where(eq(profileVersions.id, version.id));
  await tx
    .update(students)
    .set({ status, updatedAt: sql`now()` })
    .where(and(eq(students.id, version.studentId), currentVersionIs(version.id)));
  await tx.insert(auditLog).values({
    actorAccountId: null,
    actorRole: 'system',
    action: 'review.sent_to_teacher',
    subjectType: 'profile_version',
    subjectId: version.id,
    detail: { studentId: version.studentId, assignedReviewerId: reviewerId, ...detail },
  });
  if (reviewerId) {
    await writeNotification(tx, {
      accountId: reviewerId,
      kind: 'review.waiting',
      dedupKey: `review.waiting:${version.id}`,
      data: { versionId: version.id, studentId: version.studentId, outcome: detail.outcome, diffFields: detail.diffFields },
      pagePath: reviewDetailPagePath(version.id),
    });
  }
}
