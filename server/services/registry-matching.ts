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
 * - Guardian evidence (issue 12): equal key fields are facts a stranger can
 *   know. Automatic approval also needs the submitting account's verified
 *   phone (accounts.phone_index) to be a guardian phone of the registry row
 *   (registry_records.guardian_phone_indexes, the same blind-index kind).
 *   Other guardian phones → pending_review, reason `guardian_mismatch`
 *   (监护人手机号与学籍库不一致); a row without guardian phones →
 *   pending_review, `no_guardian_phone` (学籍库无监护人手机号), unless the
 *   operator set AUTO_APPROVE_WITHOUT_GUARDIAN_PHONE (never for a mismatch).
 *   Each approval records its evidence (profile_versions.approval_evidence).
 * - The resident ID is already authenticated under another student
 *   (students_approved_resident_id_uq): whatever the registry said, the version
 *   becomes a dispute (身份申诉, state `disputed`) for the head teacher (else
 *   a school administrator), every administrator of the school is told, and so
 *   is the family holding the card (reviews/disputes.ts decides it). When two
 *   approvals of one ID race, the loser's unique violation fails the job
 *   (IdAlreadyApprovedError) and its retry lands here.
 *
 * Idempotent: only a version in `submitted` (or `matching`, left by an
 * interrupted run) is matched; a re-delivered job finds it decided and changes
 * nothing. The whole decision — version, student, audit row, and later the
 * notification outbox rows — is one transaction, with the student and version
 * rows locked (student first, the order every review write uses).
 *
 * matchProfileVersion decides one version. The worker decides many at once
 * with matchProfileVersions (registry-matching-batch.ts), which uses the same
 * steps below — compareWithRegistry, decideAfterComparison, approveVersions,
 * findReviewers, sendToReviewers — on sets of versions, and falls back to
 * matchProfileVersion when a batch fails as a whole.
 */
import { eq, inArray, sql } from 'drizzle-orm';
import { compactIdentifier } from '../../domain/text/normalize';
import { diffKeyFields, type KeyField } from '../../domain/profile/key-fields';
import { maskResidentId } from '../../domain/masking';
import { normalizeResidentId } from '../../domain/identity/resident-id';
import { transition, type MatchReviewReason, type ReviewState } from '../../domain/review/state-machine';
import type { AppContext } from '../context';
import { rowsOf, type Tx } from '../db/client';
import type { Config } from '../../config';
import type { ApprovalEvidence } from '../../domain/review/state-machine';
import { accounts, auditLog, classes, profileVersions, registryRecords, schools, students } from '../db/schema';
import { openProfilePii, readProfileData } from './profile-snapshot';
import { reviewDetailPagePath, writeNotifications } from './notifications/notifications';
import { SYSTEM_ACTOR, approveVersion, residentIdApprovedElsewhere, type ProfileVersionRow } from './review-approval';
import { notifyDisputeFiled } from './reviews/dispute-notices';

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
  /** Blind indexes (kind 'phone') of the row's guardian phones; empty or absent when it names none. */
  guardianPhoneIndexes?: readonly string[];
}

export interface RegistryComparison {
  outcome: MatchOutcome;
  /** Null when matched or not found. */
  diff: MatchDiffEntry[] | null;
  /** registry_records.id of the row compared with; null when not found. */
  registryId: string | null;
  /** Guardian phone blind indexes of the row compared with (empty when not found or none). */
  guardianPhoneIndexes: readonly string[];
}

export type RegistryMatchResult =
  | { changed: false; reason: 'version_not_found' | 'not_awaiting_match'; status?: string }
  | {
      changed: true;
      outcome: MatchOutcome;
      status: ReviewState;
      assignedReviewerId: string | null;
      matchedRegistryId: string | null;
      /** The ID is authenticated under another student: the version is a dispute for a person. */
      disputed?: true;
      /** Set for an automatic approval: what it rested on. */
      evidence?: ApprovalEvidence;
    };

/** The match needs the database and the keys; the setting defaults to off (no config: tests, tools). */
export type MatchContext = Pick<AppContext, 'db' | 'pii'> & { config?: Pick<Config, 'AUTO_APPROVE_WITHOUT_GUARDIAN_PHONE'> };

/** AUTO_APPROVE_WITHOUT_GUARDIAN_PHONE of the context (false when absent). */
export function allowsWithoutGuardianPhone(ctx: MatchContext): boolean {
  return ctx.config?.AUTO_APPROVE_WITHOUT_GUARDIAN_PHONE === true;
}

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
  if (candidates.length === 0) return { outcome: 'not_found', diff: null, registryId: null, guardianPhoneIndexes: [] };
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
  const guardianPhoneIndexes = best.row.guardianPhoneIndexes ?? [];
  if (best.keyDifferences > 0) return { outcome: 'mismatch', diff: best.diff, registryId: best.row.registryId, guardianPhoneIndexes };
  if (!best.enrolled) return { outcome: 'transient_status', diff: best.diff, registryId: best.row.registryId, guardianPhoneIndexes };
  return { outcome: 'matched', diff: null, registryId: best.row.registryId, guardianPhoneIndexes };
}

/** Statuses in which a version waits for the registry match. */
export const AWAITING_MATCH: readonly string[] = ['submitted', 'matching'];

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

    const matching = startMatching(version);
    const submitted = await submittedKeyFields(ctx, tx, version);
    const candidates = await registryCandidates(tx, [ctx.pii.blindIndex('resident_id', submitted.residentId)]);
    const comparison = compareWithRegistry(submitted, candidates);
    const idTaken = await residentIdApprovedElsewhere(tx, version);
    const [submitterPhoneIndex = null] = await submitterPhoneIndexes(tx, [version]);
    const decision = decideAfterComparison(comparison, idTaken, {
      submitterPhoneIndex,
      allowWithoutGuardianPhone: allowsWithoutGuardianPhone(ctx),
    });
    await recordComparisons(tx, [{ versionId: version.id, comparison, decision }]);
    if (decision.kind === 'approve') {
      const status = await approveVersion(tx, { ...version, status: matching, evidence: decision.evidence }, SYSTEM_ACTOR, autoApprovalAudit(decision.evidence));
      return approvedResult(status, comparison, decision.evidence);
    }
    const status = transition(matching, decision.kind === 'dispute' ? { type: 'match_disputed' } : { type: 'match_needs_review', reason: decision.reason });
    const [reviewerId = null] = await findReviewers(tx, [version]);
    await sendToReviewers(tx, [{ version, status, reviewerId, detail: decision.detail }]);
    if (decision.kind === 'dispute') await notifyDisputeFiled(tx, [version]);
    return sentToReviewerResult(status, reviewerId, comparison, decision);
  });
}

/** The state a version awaiting the match is matched in (a version left in `matching` by an interrupted run stays there). */
export function startMatching(version: Pick<ProfileVersionRow, 'status'>): ReviewState {
  return version.status === 'matching' ? 'matching' : transition(version.status as ReviewState, { type: 'start_matching' });
}

/** What the match does after comparing: approve (with its evidence), send to a person (and why), or file a dispute. */
export type MatchDecision =
  | { kind: 'approve'; evidence: Extract<ApprovalEvidence, 'guardian_phone' | 'none_allowed_by_setting'> }
  | {
      kind: 'review';
      /** The state machine's reason. */
      reason: MatchReviewReason;
      /** Audit detail and review.waiting notification data. */
      detail: ReviewerDetail;
    }
  | {
      /** The ID is approved under another student: a dispute (身份申诉) for a person. */
      kind: 'dispute';
      detail: ReviewerDetail;
    };

export interface ReviewerDetail {
  outcome: MatchReviewReason | 'dispute';
  diffFields: MatchDiffField[];
}

/** What the guardian rule compares: the submitting account's phone blind index, and the operator's setting. */
export interface GuardianEvidenceInput {
  /** accounts.phone_index of the version's submitter (null: the account has no verified phone). */
  submitterPhoneIndex: string | null;
  /** AUTO_APPROVE_WITHOUT_GUARDIAN_PHONE. */
  allowWithoutGuardianPhone: boolean;
}

/**
 * The one decision after the comparison, shared by the per-version and the batch path (see the module comment):
 *
 * 1. the ID is approved under another student → dispute, whatever the registry said;
 * 2. a key field differs, not found, transient status → a person, with that reason;
 * 3. every key field equal: the submitter's phone is a guardian phone of the row → approve ('guardian_phone');
 *    the row names guardian phones, none the submitter's → a person ('guardian_mismatch'); the row names none →
 *    approve ('none_allowed_by_setting') when the operator allows it, else a person ('no_guardian_phone').
 */
export function decideAfterComparison(comparison: RegistryComparison, idTaken: boolean, guardian: GuardianEvidenceInput): MatchDecision {
  const diffFields = comparison.diff?.map((d) => d.field) ?? [];
  if (idTaken) return { kind: 'dispute', detail: { outcome: 'dispute', diffFields } };
  if (comparison.outcome !== 'matched') return review(comparison.outcome, diffFields);
  const phones = comparison.guardianPhoneIndexes;
  if (phones.length === 0) {
    return guardian.allowWithoutGuardianPhone ? { kind: 'approve', evidence: 'none_allowed_by_setting' } : review('no_guardian_phone', diffFields);
  }
  if (guardian.submitterPhoneIndex !== null && phones.includes(guardian.submitterPhoneIndex)) return { kind: 'approve', evidence: 'guardian_phone' };
  return review('guardian_mismatch', diffFields);
}

function review(reason: MatchReviewReason, diffFields: MatchDiffField[]): MatchDecision {
  return { kind: 'review', reason, detail: { outcome: reason, diffFields } };
}

/** The audit detail of an automatic approval. */
export function autoApprovalAudit(evidence: ApprovalEvidence) {
  return { detail: { outcome: 'matched', evidence } };
}

export function approvedResult(status: ReviewState, comparison: RegistryComparison, evidence: ApprovalEvidence): RegistryMatchResult {
  return { changed: true, outcome: comparison.outcome, status, assignedReviewerId: null, matchedRegistryId: comparison.registryId, evidence };
}

export function sentToReviewerResult(
  status: ReviewState,
  reviewerId: string | null,
  comparison: RegistryComparison,
  decision: Exclude<MatchDecision, { kind: 'approve' }>,
): RegistryMatchResult {
  return {
    changed: true,
    outcome: decision.kind === 'dispute' ? comparison.outcome : decision.reason,
    status,
    assignedReviewerId: reviewerId,
    matchedRegistryId: comparison.registryId,
    ...(decision.kind === 'dispute' ? { disputed: true as const } : {}),
  };
}

/** accounts.phone_index of each version's submitter, in order (one statement). */
export async function submitterPhoneIndexes(tx: Tx, versions: readonly Pick<ProfileVersionRow, 'submittedBy'>[]): Promise<(string | null)[]> {
  if (versions.length === 0) return [];
  const ids = [...new Set(versions.map((v) => v.submittedBy))];
  const rows = await tx.select({ id: accounts.id, phoneIndex: accounts.phoneIndex }).from(accounts).where(inArray(accounts.id, ids));
  const of = new Map(rows.map((r) => [r.id, r.phoneIndex]));
  return versions.map((v) => of.get(v.submittedBy) ?? null);
}

async function submittedKeyFields(ctx: MatchContext, tx: Tx, version: ProfileVersionRow): Promise<SubmittedKeyFields> {
  const [school] = version.schoolId
    ? await tx.select({ code: schools.code }).from(schools).where(eq(schools.id, version.schoolId))
    : [];
  const [klass] = version.classId
    ? await tx.select({ name: classes.name }).from(classes).where(eq(classes.id, version.classId))
    : [];
  return keyFieldsOf(ctx, version, { schoolCode: school?.code ?? null, className: klass?.name ?? null });
}

/**
 * The key fields of a version in the registry's terms, given its school's code and its class's name. Decrypts the
 * snapshot: throws ProfileSnapshotError when it cannot be read.
 */
export function keyFieldsOf(
  ctx: Pick<MatchContext, 'pii'>,
  version: Pick<ProfileVersionRow, 'piiCipher' | 'data' | 'grade'>,
  place: { schoolCode: string | null; className: string | null },
): SubmittedKeyFields {
  const pii = openProfilePii(ctx.pii, version.piiCipher);
  const data = readProfileData(version.data);
  return {
    name: data.personal.name,
    residentId: normalizeResidentId(pii.studentResidentId),
    schoolCode: place.schoolCode,
    grade: version.grade,
    className: place.className,
  };
}

/** The registry rows of the given resident ID blind indexes (one statement), with the index each was found by. */
export async function registryCandidates(
  tx: Tx,
  residentIdIndexes: readonly string[],
): Promise<(RegistryCandidate & { residentIdIndex: string })[]> {
  if (residentIdIndexes.length === 0) return [];
  return tx
    .select({
      registryId: registryRecords.id,
      residentIdIndex: registryRecords.residentIdIndex,
      name: registryRecords.name,
      schoolCode: registryRecords.schoolCode,
      grade: registryRecords.grade,
      className: registryRecords.className,
      registryStatus: registryRecords.registryStatus,
      guardianPhoneIndexes: registryRecords.guardianPhoneIndexes,
    })
    .from(registryRecords)
    .where(
      residentIdIndexes.length === 1
        ? eq(registryRecords.residentIdIndex, residentIdIndexes[0]!)
        : inArray(registryRecords.residentIdIndex, [...new Set(residentIdIndexes)]),
    );
}

/**
 * Store what the registry said (match_outcome, match_diff, matched_registry_id) of each version, in one statement.
 * A version sent to a person for its guardian evidence records that reason as its outcome (the review page's label).
 */
export async function recordComparisons(
  tx: Tx,
  rows: readonly { versionId: string; comparison: RegistryComparison; decision: MatchDecision }[],
): Promise<void> {
  if (rows.length === 0) return;
  const values = rows.map(({ versionId, comparison, decision }) => ({
    id: versionId,
    match_outcome: decision.kind === 'review' ? decision.reason : comparison.outcome,
    match_diff: comparison.diff,
    matched_registry_id: comparison.registryId,
  }));
  await tx.execute(sql`
    update profile_versions v
       set match_outcome = u.match_outcome, match_diff = u.match_diff, matched_registry_id = u.matched_registry_id
      from jsonb_to_recordset(${JSON.stringify(values)}::jsonb)
           as u(id uuid, match_outcome text, match_diff jsonb, matched_registry_id uuid)
     where v.id = u.id`);
}

/** The class's head teacher (when active), else the longest-standing active administrator of the school, else nobody. */
export async function findReviewer(
  tx: Tx,
  version: Pick<ProfileVersionRow, 'classId' | 'schoolId'>,
): Promise<string | null> {
  const [reviewerId = null] = await findReviewers(tx, [version]);
  return reviewerId;
}

/** findReviewer for many versions in one statement; the reviewer of each, in order. */
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
  detail: ReviewerDetail;
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
  await tx.insert(auditLog).values(
    items.map((item) => ({
      actorAccountId: null,
      actorRole: 'system',
      action: item.detail.outcome === 'dispute' ? 'review.dispute_filed' : 'review.sent_to_teacher',
      subjectType: 'profile_version',
      subjectId: item.version.id,
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
