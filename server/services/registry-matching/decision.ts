/**
 * The decision of the registry match after the comparison: approve (with its
 * guardian evidence), send to a person (and why), or file a dispute. Pure.
 *
 * Equal key fields are facts a stranger can know: an automatic approval also
 * needs the submitting account's verified phone to be a guardian phone of the
 * registry row (DESIGN §8).
 */
import { transition, type ApprovalEvidence, type MatchReviewReason, type ReviewState } from '../../../domain/review/state-machine';
import type { MatchDiffField, RegistryComparison } from './comparison';

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

/** The state a version awaiting the match is matched in (a version left in `matching` by an interrupted run stays there). */
export function startMatching(status: string): ReviewState {
  return status === 'matching' ? 'matching' : transition(status as ReviewState, { type: 'start_matching' });
}

/** The state after a decision that goes to a person. */
export function stateForPerson(matching: ReviewState, decision: Exclude<MatchDecision, { kind: 'approve' }>): ReviewState {
  return transition(matching, decision.kind === 'dispute' ? { type: 'match_disputed' } : { type: 'match_needs_review', reason: decision.reason });
}

/** What profile_versions.match_outcome records: the registry's outcome, or the guardian reason that sent it to a person. */
export function recordedOutcome(comparison: RegistryComparison, decision: MatchDecision): string {
  return decision.kind === 'review' ? decision.reason : comparison.outcome;
}
