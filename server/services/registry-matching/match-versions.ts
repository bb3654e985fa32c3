/**
 * The registry match (学籍比对): compare submitted profile versions with the
 * provincial student registry (学籍库) and decide what happens next, in the
 * caller's transaction. matchVersions decides any number of versions with a
 * fixed number of statements; matchProfileVersion is matchVersions of one in
 * a transaction of its own. The rules:
 *
 * - Every key field equal (after normalisation), the registry says 在籍, and
 *   the submitting account's verified phone is a guardian phone of the row →
 *   approved automatically (approveVersions), the evidence recorded.
 * - Otherwise a person (pending_review), assigned to the class's head
 *   teacher, else to an administrator of the school, with the reason:
 *   `mismatch` (a field-level diff is stored), `not_found`,
 *   `transient_status` (借读, 休学, …), `guardian_mismatch` (other guardian
 *   phones), `no_guardian_phone` (none, unless the operator set
 *   AUTO_APPROVE_WITHOUT_GUARDIAN_PHONE).
 * - The resident ID is already authenticated under another student: a
 *   dispute (身份申诉, `disputed`) for a person, whatever the registry said;
 *   the school's administrators and the family holding the card are told
 *   (reviews/disputes.ts decides it).
 *
 * The steps: lock the students, then the versions (lockStudentsThenVersions);
 * compare (comparison.ts) and decide (decision.ts) each version awaiting the
 * match; record the comparisons, approve, and hand the others to their
 * reviewers (match-records.ts, reviews/). The versions are decided as if one
 * after the other, in the order given: when two students carry one resident
 * ID and both would be approved, the first is approved and the second becomes
 * a dispute. A second version of a student already decided in this call (or
 * the same id twice) is decided after the others, in the same transaction.
 *
 * Idempotent: only a version in submitted/matching is decided; a re-delivered
 * job finds it decided and changes nothing. A snapshot that cannot be
 * decrypted rejects that version alone (ProfileSnapshotError) and leaves it as
 * it was. Anything that fails the statements (two approvals of one ID racing
 * on students_approved_resident_id_uq with another transaction:
 * IdAlreadyApprovedError; a deadlock) throws, and the caller's transaction
 * must roll back: the worker then retries the versions one at a time.
 */
import type { Config } from '../../../config';
import { isAwaitingMatch, type ApprovalEvidence, type ReviewState } from '../../../domain/review/state-machine';
import type { AppContext } from '../../context';
import type { Tx } from '../../db/client';
import { notifyDisputeFiled } from '../reviews/dispute-notices';
import { SYSTEM_ACTOR, approveVersions, residentIdsApprovedElsewhere, type ProfileVersionRow } from '../reviews/review-approval';
import { lockStudentsThenVersions } from '../reviews/review-locks';
import { findReviewers, sendToReviewers } from '../reviews/reviewer-handover';
import { compareWithRegistry, type MatchOutcome, type RegistryComparison } from './comparison';
import { decideAfterComparison, startMatching, stateForPerson, type MatchDecision } from './decision';
import { keyFieldsOf, placesOf, recordComparisons, registryCandidates, submitterPhoneIndexes } from './match-records';

/** The match needs the database and the keys; the setting defaults to off (no config: tests, tools). */
export type MatchContext = Pick<AppContext, 'db' | 'pii'> & { config?: Pick<Config, 'AUTO_APPROVE_WITHOUT_GUARDIAN_PHONE'> };

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

/** The result of one version of a call: its decision, or why it alone could not be decided. */
export type VersionMatchOutcome = PromiseSettledResult<RegistryMatchResult>;

/** Match one profile version in a transaction of its own; throws what would reject it. */
export async function matchProfileVersion(ctx: MatchContext, profileVersionId: string): Promise<RegistryMatchResult> {
  const [outcome] = await ctx.db.transaction((tx) => matchVersions(ctx, tx, [profileVersionId]));
  if (outcome!.status === 'rejected') throw outcome!.reason;
  return outcome!.value;
}

/** A version of the call awaiting the match, with what it is compared as. */
interface Awaiting {
  position: number;
  version: ProfileVersionRow;
  matching: ReviewState;
  searchIndex: string;
  comparison: RegistryComparison;
}

/** Match the given versions in `tx` (see the module comment): one outcome per id, in order. */
export async function matchVersions(ctx: MatchContext, tx: Tx, profileVersionIds: readonly string[]): Promise<VersionMatchOutcome[]> {
  const outcomes: (VersionMatchOutcome | undefined)[] = profileVersionIds.map(() => undefined);
  if (profileVersionIds.length === 0) return [];
  const versions = await lockStudentsThenVersions(tx, profileVersionIds);
  const versionOf = new Map(versions.map((v) => [v.id, v]));
  const places = await placesOf(tx, versions.filter((v) => isAwaitingMatch(v.status)).map((v) => v.id));

  // Step 1: which versions this round decides; a student's second version waits for the next round.
  const later: number[] = [];
  const studentsSeen = new Set<string>();
  const awaiting: Omit<Awaiting, 'comparison'>[] = [];
  const submittedOf = new Map<number, ReturnType<typeof keyFieldsOf>>();
  profileVersionIds.forEach((id, position) => {
    const version = versionOf.get(id);
    if (!version) return void (outcomes[position] = fulfilled({ changed: false, reason: 'version_not_found' }));
    if (studentsSeen.has(version.studentId)) return void later.push(position);
    studentsSeen.add(version.studentId);
    if (!isAwaitingMatch(version.status)) {
      return void (outcomes[position] = fulfilled({ changed: false, reason: 'not_awaiting_match', status: version.status }));
    }
    try {
      const submitted = keyFieldsOf(ctx, version, places.get(version.id) ?? { schoolCode: null, className: null });
      submittedOf.set(position, submitted);
      awaiting.push({ position, version, matching: startMatching(version.status), searchIndex: ctx.pii.blindIndex('resident_id', submitted.residentId) });
    } catch (err) {
      outcomes[position] = { status: 'rejected', reason: err };
    }
  });

  if (awaiting.length > 0) {
    // Step 2: compare with the registry rows of every submitted ID.
    const candidates = await registryCandidates(tx, awaiting.map((a) => a.searchIndex));
    const compared: Awaiting[] = awaiting.map((a) => ({
      ...a,
      comparison: compareWithRegistry(submittedOf.get(a.position)!, candidates.filter((c) => c.residentIdIndex === a.searchIndex)),
    }));
    // Step 3: decide, one after the other: an ID approved earlier in this call is taken for the ones after it.
    const takenElsewhere = await residentIdsApprovedElsewhere(tx, compared.map((c) => c.version));
    const phoneIndexes = await submitterPhoneIndexes(tx, compared.map((c) => c.version));
    const allowWithoutGuardianPhone = ctx.config?.AUTO_APPROVE_WITHOUT_GUARDIAN_PHONE === true;
    const approvedHere = new Set<string>();
    const decided = compared.map((c, i) => {
      const index = c.version.residentIdIndex;
      const idTaken = takenElsewhere.has(index) || approvedHere.has(index);
      const decision = decideAfterComparison(c.comparison, idTaken, { submitterPhoneIndex: phoneIndexes[i] ?? null, allowWithoutGuardianPhone });
      if (decision.kind === 'approve') approvedHere.add(index);
      return { ...c, decision };
    });
    // Step 4: the writes.
    await recordComparisons(tx, decided.map((d) => ({ versionId: d.version.id, comparison: d.comparison, decision: d.decision })));
    await approve(tx, decided, outcomes);
    await sendToPeople(tx, decided, outcomes);
  }

  if (later.length > 0) {
    const next = await matchVersions(ctx, tx, later.map((position) => profileVersionIds[position]!));
    later.forEach((position, i) => (outcomes[position] = next[i]));
  }
  return outcomes as VersionMatchOutcome[];
}

type Decided = Awaiting & { decision: MatchDecision };

/** The approvals: one approveVersions call per kind of evidence (the audit detail names it), so at most two. */
async function approve(tx: Tx, decided: readonly Decided[], outcomes: (VersionMatchOutcome | undefined)[]): Promise<void> {
  for (const evidence of ['guardian_phone', 'none_allowed_by_setting'] as const) {
    const group = decided.filter((d) => d.decision.kind === 'approve' && d.decision.evidence === evidence);
    const statuses = await approveVersions(
      tx,
      group.map((d) => ({ ...d.version, status: d.matching, evidence })),
      SYSTEM_ACTOR,
      { detail: { outcome: 'matched', evidence } },
    );
    group.forEach((d, i) => {
      outcomes[d.position] = fulfilled({
        changed: true,
        outcome: d.comparison.outcome,
        status: statuses[i]!,
        assignedReviewerId: null,
        matchedRegistryId: d.comparison.registryId,
        evidence,
      });
    });
  }
}

/** The others go to their reviewers; disputes also tell the school's administrators and the card's holder. */
async function sendToPeople(tx: Tx, decided: readonly Decided[], outcomes: (VersionMatchOutcome | undefined)[]): Promise<void> {
  const toPeople = decided.flatMap((d) => (d.decision.kind === 'approve' ? [] : [{ ...d, decision: d.decision }]));
  if (toPeople.length === 0) return;
  const reviewers = await findReviewers(tx, toPeople.map((p) => p.version));
  const handovers = toPeople.map((p, i) => ({ ...p, status: stateForPerson(p.matching, p.decision), reviewerId: reviewers[i] ?? null }));
  await sendToReviewers(
    tx,
    handovers.map((h) => ({ version: h.version, status: h.status, reviewerId: h.reviewerId, detail: h.decision.detail })),
  );
  await notifyDisputeFiled(tx, handovers.filter((h) => h.decision.kind === 'dispute').map((h) => h.version));
  for (const h of handovers) {
    outcomes[h.position] = fulfilled({
      changed: true,
      outcome: h.decision.kind === 'dispute' ? h.comparison.outcome : h.decision.reason,
      status: h.status,
      assignedReviewerId: h.reviewerId,
      matchedRegistryId: h.comparison.registryId,
      ...(h.decision.kind === 'dispute' ? { disputed: true as const } : {}),
    });
  }
}

function fulfilled(value: RegistryMatchResult): VersionMatchOutcome {
  return { status: 'fulfilled', value };
}
