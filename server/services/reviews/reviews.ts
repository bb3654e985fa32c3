/**
 * The head teacher's review (审核): the list of the classes' submissions with
 * counts per class, the detail (submitted vs registry, differing fields
 * flagged from the stored match diff, ID numbers masked), and the decisions.
 *
 * Lists are over each student's latest version (students.current_version_id),
 * so a student appears once, in the status it is in now.
 *
 * Decisions lock the student row, then the version row (the order of the
 * registry match), check the reviewer's scope, and let the state machine
 * decide: of two decisions at once the second finds the version decided and
 * gets 409 REVIEW_TRANSITION_FORBIDDEN. Approving goes through approveVersion
 * (card number, audit, notification); returning records the reason, leaves a
 * card issued for an earlier approved version valid, and writes the family's
 * review.returned notification in the same transaction. Every decision and
 * every detail view is audited.
 */
import { and, count, desc, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { REVIEW_FIELD_LABELS, REVIEW_LIST_STATUSES, type ReviewField, type ReviewListStatus } from '../../../domain/api/reviews';
import { AppError } from '../../../domain/errors';
import { maskName, maskPhone, maskResidentId } from '../../../domain/masking';
import { GRADES, GRADE_LABELS, type Grade } from '../../../domain/profile/schemas';
import {
  APPROVAL_EVIDENCE_LABELS,
  MATCH_REVIEW_REASON_LABELS,
  REVIEW_STATE_LABELS,
  transition,
  type MatchReviewReason,
  type ReviewState,
} from '../../../domain/review/state-machine';
import type { AppContext } from '../../context';
import { profileVersions, registryRecords, students } from '../../db/schema';
import type { RequestMeta } from '../accounts/request-meta';
import { openVersionContent, gradeLabel, relationLabel, schoolClassNames, toIso } from '../profiles/profile-content';
import { writeAudit } from '../audit/audit';
import { approveVersion, currentVersionIs, IdAlreadyApprovedError, residentIdApprovedElsewhere } from './review-approval';
import { lockStudentsThenVersions } from './review-locks';
import { studentStatusPagePath, writeNotification } from '../notifications/notifications';
import { assertMayReview, reviewerClasses, type Reviewer } from './review-scope';
import { disputeSides, guardianEvidenceOf } from './guardian-evidence';
import { instrument } from '../../metrics/events';

/** Context of registry_records.resident_id_cipher (as written by the registry import). */
const REGISTRY_RESIDENT_ID_CONTEXT = 'registry_records.resident_id';

export function matchOutcomeLabel(outcome: string | null): string | null {
  if (!outcome) return null;
  if (outcome === 'matched') return '与学籍库一致';
  return MATCH_REVIEW_REASON_LABELS[outcome as MatchReviewReason] ?? outcome;
}

function stateLabel(status: string): string {
  return REVIEW_STATE_LABELS[status as ReviewState] ?? status;
}

function nameOf(data: unknown): string {
  const name = (data as { personal?: { name?: unknown } } | null)?.personal?.name;
  return typeof name === 'string' ? name : '';
}

// ---------------------------------------------------------------------------------------------- list

export async function listReviews(
  ctx: Pick<AppContext, 'db'>,
  reviewer: Reviewer,
  query: { status: ReviewListStatus; classId?: string | undefined; page: number; pageSize: number },
) {
  const scope = await reviewerClasses(ctx.db, reviewer);
  const scopeIds = scope.map((c) => c.id);
  if (query.classId && !scopeIds.includes(query.classId)) throw new AppError('NOT_FOUND');
  const empty = { classes: [], items: [], page: query.page, pageSize: query.pageSize, total: 0 };
  if (scopeIds.length === 0) return empty;

  // The student's latest version; joined through the student's primary key (no index on current_version_id needed).
  const latest = and(eq(students.id, profileVersions.studentId), eq(students.currentVersionId, profileVersions.id));
  const countRows = await ctx.db
    .select({ classId: profileVersions.classId, status: profileVersions.status, n: count() })
    .from(students)
    .innerJoin(profileVersions, latest)
    .where(and(inArray(profileVersions.classId, scopeIds), inArray(profileVersions.status, [...REVIEW_LIST_STATUSES])))
    .groupBy(profileVersions.classId, profileVersions.status);
  const counts = new Map<string, Record<ReviewListStatus, number>>();
  for (const c of scope) counts.set(c.id, { pending_review: 0, disputed: 0, returned: 0, approved: 0 });
  for (const row of countRows) {
    const entry = row.classId ? counts.get(row.classId) : undefined;
    if (entry) entry[row.status as ReviewListStatus] = row.n;
  }

  const classIds = query.classId ? [query.classId] : scopeIds;
  const where = and(inArray(profileVersions.classId, classIds), eq(profileVersions.status, query.status));
  const total = classIds.reduce((sum, id) => sum + (counts.get(id)?.[query.status] ?? 0), 0);
  const rows = await ctx.db
    .select({
      versionId: profileVersions.id,
      studentId: profileVersions.studentId,
      version: profileVersions.version,
      data: profileVersions.data,
      classId: profileVersions.classId,
      grade: profileVersions.grade,
      status: profileVersions.status,
      matchOutcome: profileVersions.matchOutcome,
      submittedAt: profileVersions.submittedAt,
      statusChangedAt: profileVersions.statusChangedAt,
    })
    .from(students)
    .innerJoin(profileVersions, latest)
    .where(where)
    .orderBy(desc(profileVersions.statusChangedAt), desc(profileVersions.id))
    .limit(query.pageSize)
    .offset((query.page - 1) * query.pageSize);

  const byId = new Map(scope.map((c) => [c.id, c]));
  return {
    classes: scope
      .filter((c): c is typeof c & { grade: Grade } => (GRADES as readonly string[]).includes(c.grade))
      .map((c) => {
        const n = counts.get(c.id)!;
        return {
          classId: c.id,
          grade: c.grade,
          gradeLabel: GRADE_LABELS[c.grade],
          className: c.name,
          pendingReview: n.pending_review,
          disputed: n.disputed,
          returned: n.returned,
          approved: n.approved,
        };
      }),
    items: rows.map((r) => ({
      versionId: r.versionId,
      studentId: r.studentId,
      version: r.version,
      nameMasked: maskName(nameOf(r.data)),
      classId: r.classId,
      className: r.classId ? (byId.get(r.classId)?.name ?? null) : null,
      grade: r.grade,
      status: r.status as ReviewState,
      statusLabel: stateLabel(r.status),
      matchOutcome: r.matchOutcome,
      matchOutcomeLabel: matchOutcomeLabel(r.matchOutcome),
      submittedAt: r.submittedAt.toISOString(),
      statusChangedAt: r.statusChangedAt.toISOString(),
    })),
    page: query.page,
    pageSize: query.pageSize,
    total,
  };
}

// -------------------------------------------------------------------------------------------- detail

const MatchDiffSchema = z.array(z.object({ field: z.string() })).catch([]);

async function loadVersion(ctx: Pick<AppContext, 'db'>, versionId: string) {
  const [version] = await ctx.db.select().from(profileVersions).where(eq(profileVersions.id, versionId));
  if (!version) throw new AppError('NOT_FOUND');
  return version;
}

export async function getReviewDetail(ctx: Pick<AppContext, 'db' | 'pii'>, reviewer: Reviewer, versionId: string, meta: RequestMeta) {
  const version = await loadVersion(ctx, versionId);
  await assertMayReview(ctx.db, reviewer, version);

  const content = openVersionContent(ctx.pii, version);
  const names = await schoolClassNames(ctx.db, version.schoolId, version.classId);
  const [registry] = version.matchedRegistryId
    ? await ctx.db.select().from(registryRecords).where(eq(registryRecords.id, version.matchedRegistryId))
    : [];
  const [student] = await ctx.db
    .select({ cardNumber: students.cardNumber, cardIssuedAt: students.cardIssuedAt, approvedVersionId: students.approvedVersionId })
    .from(students)
    .where(eq(students.id, version.studentId));
  // An info change only when the card existed before this version was submitted (not issued by approving it).
  const priorCard = student?.cardNumber && student.cardIssuedAt && student.cardIssuedAt < version.submittedAt ? student.cardNumber : null;
  const [{ submission } = { submission: 1 }] = await ctx.db
    .select({ submission: sql<number>`count(*) filter (where not ${profileVersions.contactOnly})::int` })
    .from(profileVersions)
    .where(and(eq(profileVersions.studentId, version.studentId), sql`${profileVersions.version} <= ${version.version}`));
  const differing = new Set(MatchDiffSchema.parse(version.matchDiff ?? []).map((d) => d.field));

  let registryResidentId: string | null = null;
  if (registry) {
    try {
      registryResidentId = maskResidentId(ctx.pii.decrypt(registry.residentIdCipher, REGISTRY_RESIDENT_ID_CONTEXT));
    } catch {
      // Found by the blind index of the submitted ID, so it is the same number.
      registryResidentId = maskResidentId(content.personal.residentId);
    }
  }
  const school = (name: string | null, code: string | null) => (name || code ? `${name ?? ''}${code ? `（${code}）` : ''}` : null);
  const values: Record<ReviewField, [string | null, string | null]> = {
    name: [content.personal.name, registry?.name ?? null],
    residentId: [maskResidentId(content.personal.residentId), registryResidentId],
    school: [school(names.schoolName, names.schoolCode), registry ? school(registry.schoolName, registry.schoolCode) : null],
    grade: [gradeLabel(version.grade) ?? version.grade, registry ? (gradeLabel(registry.grade) ?? registry.grade) : null],
    class: [names.className, registry?.className ?? null],
    registryStatus: [null, registry?.registryStatus ?? null],
  };
  const previous = await previousSubmission(ctx, version, values);
  const fields = (Object.keys(values) as ReviewField[])
    .filter((field) => field !== 'registryStatus' || registry)
    .map((field) => ({
      field,
      label: REVIEW_FIELD_LABELS[field],
      submitted: values[field][0],
      registry: values[field][1],
      differs: differing.has(field),
      registryOnly: field === 'registryStatus',
    }));

  const idElsewhere = await residentIdApprovedElsewhere(ctx.db, version);
  const guardianEvidence = await guardianEvidenceOf(ctx, version.submittedBy, registry ?? null);

  await writeAudit(ctx.db, {
    meta,
    actor: reviewer,
    action: 'review.view',
    subject: { type: 'profile_version', id: version.id },
    detail: { studentId: version.studentId },
  });

  return {
    versionId: version.id,
    studentId: version.studentId,
    version: version.version,
    status: version.status as ReviewState,
    statusLabel: stateLabel(version.status),
    contactOnly: version.contactOnly,
    submittedAt: version.submittedAt.toISOString(),
    decidedAt: toIso(version.decidedAt),
    reviewReason: version.reviewReason,
    matchOutcome: version.matchOutcome,
    matchOutcomeLabel: matchOutcomeLabel(version.matchOutcome),
    registryFound: registry !== undefined,
    fields,
    guardians: content.guardians.map((g) => ({
      name: g.name,
      relationLabel: relationLabel(g.relation),
      residentIdMasked: maskResidentId(g.residentId),
      phoneMasked: maskPhone(g.phone),
    })),
    residentIdApprovedElsewhere: idElsewhere,
    cardNumber: priorCard,
    submission: Math.max(1, Number(submission)),
    previous,
    guardianEvidence,
    approvalEvidence: version.approvalEvidence,
    approvalEvidenceLabel: version.approvalEvidence ? APPROVAL_EVIDENCE_LABELS[version.approvalEvidence] : null,
    dispute: version.status === 'disputed' ? await disputeSides(ctx, version, guardianEvidence, registry) : null,
    actions: reviewActions(version.status, idElsewhere),
  };
}

/**
 * What the reviewer may do: 通过 / 退回 while pending — but never 通过 when the ID is approved under another
 * account (it could not succeed: a dispute decides that) — and 保留 / 转移 for a dispute.
 */
export function reviewActions(status: string, residentIdApprovedElsewhere: boolean): ('approve' | 'return' | 'keep' | 'transfer')[] {
  if (status === 'pending_review') return residentIdApprovedElsewhere ? ['return'] : ['approve', 'return'];
  if (status === 'disputed') return ['keep', 'transfer'];
  return [];
}

/** The submission before `version` (contact edits skipped) and the key fields this one changed; null for a first one. */
async function previousSubmission(
  ctx: Pick<AppContext, 'db' | 'pii'>,
  version: typeof profileVersions.$inferSelect,
  current: Record<ReviewField, [string | null, string | null]>,
) {
  const [before] = await ctx.db
    .select()
    .from(profileVersions)
    .where(and(eq(profileVersions.studentId, version.studentId), eq(profileVersions.contactOnly, false), sql`${profileVersions.version} < ${version.version}`))
    .orderBy(desc(profileVersions.version))
    .limit(1);
  if (!before) return null;
  const content = openVersionContent(ctx.pii, before);
  const names = await schoolClassNames(ctx.db, before.schoolId, before.classId);
  const then: Partial<Record<ReviewField, string | null>> = {
    name: content.personal.name,
    residentId: maskResidentId(content.personal.residentId),
    school: names.schoolName || names.schoolCode ? `${names.schoolName ?? ''}${names.schoolCode ? `（${names.schoolCode}）` : ''}` : null,
    grade: gradeLabel(before.grade) ?? before.grade,
    class: names.className,
  };
  const changes = (Object.keys(then) as ReviewField[])
    .filter((field) => then[field] !== current[field][0])
    .map((field) => ({ field, label: REVIEW_FIELD_LABELS[field], before: then[field] ?? null, after: current[field][0] }));
  const [{ submission } = { submission: 1 }] = await ctx.db
    .select({ submission: sql<number>`count(*) filter (where not ${profileVersions.contactOnly})::int` })
    .from(profileVersions)
    .where(and(eq(profileVersions.studentId, version.studentId), sql`${profileVersions.version} <= ${before.version}`));
  return {
    versionId: before.id,
    submission: Math.max(1, Number(submission)),
    status: before.status as ReviewState,
    statusLabel: stateLabel(before.status),
    reviewReason: before.reviewReason,
    changes,
  };
}

// ------------------------------------------------------------------------------------------ decisions

export type ReviewDecision = { type: 'approve' } | { type: 'return'; reason: string };

export interface DecisionResult {
  versionId: string;
  status: ReviewState;
  statusLabel: string;
  cardNumber: string | null;
  reviewReason: string | null;
}

export async function decideReview(
  ctx: Pick<AppContext, 'db'>,
  reviewer: Reviewer,
  versionId: string,
  decision: ReviewDecision,
  meta: RequestMeta,
): Promise<DecisionResult> {
  try {
    const result = await ctx.db.transaction(async (tx) => {
      const [version] = await lockStudentsThenVersions(tx, [versionId]);
      if (!version) throw new AppError('NOT_FOUND');
      await assertMayReview(tx, reviewer, version);

      if (decision.type === 'approve') {
        const status = await approveVersion(tx, version, { kind: 'account', accountId: reviewer.id, role: reviewer.role }, {
          ip: meta.ip,
          requestId: meta.requestId,
          detail: { matchOutcome: version.matchOutcome },
        });
        const [student] = await tx.select({ cardNumber: students.cardNumber }).from(students).where(eq(students.id, version.studentId));
        return { versionId: version.id, status, statusLabel: stateLabel(status), cardNumber: student?.cardNumber ?? null, reviewReason: null };
      }

      const status = transition(version.status as ReviewState, { type: 'teacher_return', reason: decision.reason });
      await tx
        .update(profileVersions)
        .set({
          status,
          reviewReason: decision.reason,
          reviewedBy: reviewer.id,
          reviewedAt: sql`now()`,
          decidedAt: sql`now()`,
          statusChangedAt: sql`now()`,
        })
        .where(eq(profileVersions.id, version.id));
      // Only the status follows: approved_version_id and the card of an earlier approval stay as they are.
      const [student] = await tx
        .update(students)
        .set({ status, updatedAt: sql`now()` })
        .where(and(eq(students.id, version.studentId), currentVersionIs(version.id)))
        .returning({ familyAccountId: students.familyAccountId, cardNumber: students.cardNumber });
      await writeAudit(tx, {
        meta,
        actor: reviewer,
        action: 'review.returned',
        subject: { type: 'profile_version', id: version.id },
        detail: { studentId: version.studentId, reason: decision.reason, matchOutcome: version.matchOutcome },
      });
      const [family] = student
        ? [student]
        : await tx.select({ familyAccountId: students.familyAccountId, cardNumber: students.cardNumber }).from(students).where(eq(students.id, version.studentId));
      await writeNotification(tx, {
        accountId: family!.familyAccountId,
        kind: 'review.returned',
        dedupKey: `review.returned:${version.id}`,
        pagePath: studentStatusPagePath(version.studentId),
        data: { studentId: version.studentId, versionId: version.id, studentNameMasked: maskName(nameOf(version.data)), reason: decision.reason },
      });
      return { versionId: version.id, status, statusLabel: stateLabel(status), cardNumber: family!.cardNumber, reviewReason: decision.reason };
    });
    instrument.decision({ decider: 'reviewer', outcome: result.status });
    return result;
  } catch (err) {
    if (err instanceof IdAlreadyApprovedError) {
      await writeAudit(ctx.db, {
        meta,
        actor: reviewer,
        action: 'profile.duplicate_id_attempt',
        subject: { type: 'profile_version', id: versionId },
        detail: { decision: 'approve' },
        success: false,
      });
    }
    throw err;
  }
}
