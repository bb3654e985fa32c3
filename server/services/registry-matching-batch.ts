/**
 * The registry match for many profile versions at once: the same decisions
 * and the same rows as matchProfileVersion (registry-matching.ts), with a
 * fixed number of statements per batch instead of ~20 per version.
 *
 * One transaction per batch:
 *
 *   1. lock the students of the batch, then its versions (each in id order:
 *      student before version, the order every review write uses), reading
 *      each version's school code and class name with it;
 *   2. the registry rows of every submitted ID (one select by blind index);
 *   3. compareWithRegistry per version, one "ID approved elsewhere" check
 *      and one read of the submitters' phone indexes, then the shared
 *      decideAfterComparison (guardian evidence, disputes) per version;
 *   4. match_outcome/diff of every version (one update), the approvals
 *      (approveVersions: a handful of multi-row statements), the reviewers of
 *      the others (findReviewers, one query) and their hand-over
 *      (sendToReviewers).
 *
 * Within a batch the versions are decided as if one after the other, in the
 * order given: when two versions of different students carry the same
 * resident ID and both would be approved, the first is approved and the second
 * becomes a dispute, as the second of two sequential jobs would.
 * A second version of a student already in the batch (or the same version
 * twice) is matched alone after the batch commits, so every statement of the
 * batch touches a student once.
 *
 * Per version: only versions in submitted/matching are decided (re-delivery
 * changes nothing); a snapshot that cannot be decrypted rejects that version
 * alone (ProfileSnapshotError) and leaves it as it was.
 *
 * When the batch transaction fails as a whole — two approvals of one ID
 * racing on students_approved_resident_id_uq with another transaction
 * (IdAlreadyApprovedError), a deadlock or serialization failure, anything —
 * it rolls back and every version of it is matched alone by
 * matchProfileVersion, one after the other, each with its own result or
 * error. Correctness never depends on the batch path.
 */
import { asc, eq, inArray } from 'drizzle-orm';
import { transition, type ReviewState } from '../../domain/review/state-machine';
import type { Tx } from '../db/client';
import { classes, profileVersions, schools, students } from '../db/schema';
import {
  AWAITING_MATCH,
  allowsWithoutGuardianPhone,
  approvedResult,
  autoApprovalAudit,
  compareWithRegistry,
  decideAfterComparison,
  findReviewers,
  keyFieldsOf,
  matchProfileVersion,
  recordComparisons,
  registryCandidates,
  sendToReviewers,
  sentToReviewerResult,
  startMatching,
  submitterPhoneIndexes,
  type MatchContext,
  type RegistryMatchResult,
  type SubmittedKeyFields,
} from './registry-matching';
import { SYSTEM_ACTOR, approveVersions, residentIdsApprovedElsewhere, type ProfileVersionRow } from './review-approval';
import { notifyDisputeFiled } from './reviews/dispute-notices';

/** The result of one version of a batch: what matchProfileVersion would have resolved or thrown. */
export type VersionMatchOutcome = PromiseSettledResult<RegistryMatchResult>;

export interface MatchBatchOptions {
  /** Told when the batch transaction failed and its versions are matched one by one. */
  onFallback?: (err: unknown, profileVersionIds: readonly string[]) => void;
}

/**
 * Match the given profile versions (see the module comment). Resolves with one
 * outcome per id, in order; never rejects.
 */
export async function matchProfileVersions(
  ctx: MatchContext,
  profileVersionIds: readonly string[],
  options: MatchBatchOptions = {},
): Promise<VersionMatchOutcome[]> {
  if (profileVersionIds.length === 0) return [];
  let batch: BatchDecisions;
  try {
    batch = await ctx.db.transaction((tx) => decideBatch(ctx, tx, profileVersionIds));
  } catch (err) {
    options.onFallback?.(err, profileVersionIds);
    return matchOneByOne(ctx, profileVersionIds);
  }
  const outcomes = batch.outcomes;
  for (const i of batch.deferred) outcomes[i] = await settle(matchProfileVersion(ctx, profileVersionIds[i]!));
  return outcomes as VersionMatchOutcome[];
}

/** The per-version path for every id, one after the other. */
async function matchOneByOne(ctx: MatchContext, profileVersionIds: readonly string[]): Promise<VersionMatchOutcome[]> {
  const outcomes: VersionMatchOutcome[] = [];
  for (const id of profileVersionIds) outcomes.push(await settle(matchProfileVersion(ctx, id)));
  return outcomes;
}

interface BatchDecisions {
  /** Per position; undefined for the deferred ones. */
  outcomes: (VersionMatchOutcome | undefined)[];
  /** Positions to match alone after the batch (a student already in the batch). */
  deferred: number[];
}

/** A version of the batch awaiting the match, with what it is compared as. */
interface Candidate {
  position: number;
  version: ProfileVersionRow;
  matching: ReviewState;
  submitted: SubmittedKeyFields;
  searchIndex: string;
}

async function decideBatch(ctx: MatchContext, tx: Tx, ids: readonly string[]): Promise<BatchDecisions> {
  const outcomes: (VersionMatchOutcome | undefined)[] = ids.map(() => undefined);
  const deferred: number[] = [];
  const rows = await lockBatch(tx, [...new Set(ids)]);
  const rowOf = new Map(rows.map((r) => [r.version.id, r]));

  const awaiting: Candidate[] = [];
  const studentsInBatch = new Set<string>();
  ids.forEach((id, position) => {
    const row = rowOf.get(id);
    if (!row) {
      outcomes[position] = fulfilled({ changed: false, reason: 'version_not_found' });
      return;
    }
    const { version } = row;
    if (studentsInBatch.has(version.studentId)) {
      deferred.push(position);
      return;
    }
    studentsInBatch.add(version.studentId);
    if (!AWAITING_MATCH.includes(version.status)) {
      outcomes[position] = fulfilled({ changed: false, reason: 'not_awaiting_match', status: version.status });
      return;
    }
    try {
      const matching = startMatching(version);
      const submitted = keyFieldsOf(ctx, version, row);
      awaiting.push({ position, version, matching, submitted, searchIndex: ctx.pii.blindIndex('resident_id', submitted.residentId) });
    } catch (err) {
      outcomes[position] = { status: 'rejected', reason: err };
    }
  });
  if (awaiting.length === 0) return { outcomes, deferred };

  const candidatesOf = groupBy(await registryCandidates(tx, awaiting.map((c) => c.searchIndex)), (r) => r.residentIdIndex);
  const compared = awaiting.map((c) => ({ ...c, comparison: compareWithRegistry(c.submitted, candidatesOf.get(c.searchIndex) ?? []) }));

  const takenElsewhere = await residentIdsApprovedElsewhere(tx, compared.map((c) => c.version));
  const phoneIndexes = await submitterPhoneIndexes(tx, compared.map((c) => c.version));
  const allowWithoutGuardianPhone = allowsWithoutGuardianPhone(ctx);
  const approvedInBatch = new Set<string>();
  const decided = compared.map((c, i) => {
    const index = c.version.residentIdIndex;
    const idTaken = takenElsewhere.has(index) || approvedInBatch.has(index);
    const decision = decideAfterComparison(c.comparison, idTaken, { submitterPhoneIndex: phoneIndexes[i] ?? null, allowWithoutGuardianPhone });
    if (decision.kind === 'approve') approvedInBatch.add(index);
    return { ...c, decision };
  });
  await recordComparisons(tx, decided.map((d) => ({ versionId: d.version.id, comparison: d.comparison, decision: d.decision })));

  const approvals = decided.flatMap((d) => (d.decision.kind === 'approve' ? [{ ...d, decision: d.decision }] : []));
  // One approveVersions call per kind of evidence (the audit detail names it): at most two.
  for (const evidence of ['guardian_phone', 'none_allowed_by_setting'] as const) {
    const group = approvals.filter((a) => a.decision.evidence === evidence);
    const approvedStatuses = await approveVersions(
      tx,
      group.map((a) => ({ ...a.version, status: a.matching, evidence })),
      SYSTEM_ACTOR,
      autoApprovalAudit(evidence),
    );
    group.forEach((a, i) => (outcomes[a.position] = fulfilled(approvedResult(approvedStatuses[i]!, a.comparison, evidence))));
  }

  const reviews = decided.flatMap((d) => (d.decision.kind !== 'approve' ? [{ ...d, decision: d.decision }] : []));
  const reviewers = await findReviewers(tx, reviews.map((r) => r.version));
  const handovers = reviews.map((r, i) => ({
    ...r,
    status: transition(r.matching, r.decision.kind === 'dispute' ? { type: 'match_disputed' } : { type: 'match_needs_review', reason: r.decision.reason }),
    reviewerId: reviewers[i] ?? null,
  }));
  await sendToReviewers(
    tx,
    handovers.map((h) => ({ version: h.version, status: h.status, reviewerId: h.reviewerId, detail: h.decision.detail })),
  );
  await notifyDisputeFiled(tx, handovers.filter((h) => h.decision.kind === 'dispute').map((h) => h.version));
  for (const h of handovers) outcomes[h.position] = fulfilled(sentToReviewerResult(h.status, h.reviewerId, h.comparison, h.decision));
  return { outcomes, deferred };
}

/**
 * Lock the students of the versions, then the versions (student before version, each in id order so that
 * concurrent batches take their locks in one order), and read each version with its school code and class name.
 */
async function lockBatch(tx: Tx, ids: string[]): Promise<{ version: ProfileVersionRow; schoolCode: string | null; className: string | null }[]> {
  await tx
    .select({ id: students.id })
    .from(students)
    .where(inArray(students.id, tx.select({ id: profileVersions.studentId }).from(profileVersions).where(inArray(profileVersions.id, ids))))
    .orderBy(asc(students.id))
    .for('update');
  return tx
    .select({ version: profileVersions, schoolCode: schools.code, className: classes.name })
    .from(profileVersions)
    .leftJoin(schools, eq(schools.id, profileVersions.schoolId))
    .leftJoin(classes, eq(classes.id, profileVersions.classId))
    .where(inArray(profileVersions.id, ids))
    .orderBy(asc(profileVersions.id))
    .for('update', { of: profileVersions });
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

function fulfilled(value: RegistryMatchResult): VersionMatchOutcome {
  return { status: 'fulfilled', value };
}

async function settle(promise: Promise<RegistryMatchResult>): Promise<VersionMatchOutcome> {
  try {
    return fulfilled(await promise);
  } catch (reason) {
    return { status: 'rejected', reason };
  }
}
