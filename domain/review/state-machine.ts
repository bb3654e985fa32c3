/**
 * The review state machine: the one owner of every review status and
 * transition (DESIGN §2). The server and the workers call `transition` and
 * store its result; they never set a status by hand.
 *
 * What the state belongs to. A student's profile is a chain of immutable
 * versions (profile_versions). The state here is the review status of the
 * student's *latest* version, kept on that version row; it is not the
 * student's card status:
 *
 * - Events that carry new content — `submit` (from draft, returned or, with
 *   corrections, reconfirm_required), `reconfirm` (school information confirmed
 *   unchanged at a new semester) and `resubmit_key_change` — create a new
 *   version whose status is the target state; the previous version keeps its
 *   status as history. All other events update the latest version in place.
 * - Card validity is the student's own fact: the student keeps the card of
 *   their last approved version. So `resubmit_key_change` (approved →
 *   submitted, used only when a key field changed; contact fields apply at once
 *   and need no review) does not revoke the card: it stays valid while the new
 *   version is matched and reviewed (DESIGN §2).
 * - `semester_reset` moves an approved latest version to reconfirm_required;
 *   parents then confirm (`reconfirm`) or correct (`submit`) and the same
 *   matching runs.
 * - `match_retry` (matching → submitted) lets the sweeper requeue a version
 *   whose matching job was lost or failed transiently.
 *
 * - `family_withdraw` (pending_review or returned → withdrawn): a family whose
 *   student holds a valid card takes back a key-field change waiting for the
 *   head teacher, or keeps the current data after a return. The withdrawn
 *   version stays as history (it is never the latest again) and the student
 *   goes back to the approved version.
 *
 * - `match_disputed` (matching → disputed): the submitted resident ID is
 *   already approved under another student. A person decides the dispute:
 *   `dispute_keep` (disputed → returned: the holder keeps the card) or
 *   `dispute_transfer` (disputed → approved: the claim wins; the holder's
 *   latest version takes `dispute_lost`, approved → returned, and its card is
 *   revoked).
 * - `evidence_mismatch` (approved → pending_review): an approval without
 *   guardian evidence whose registry row later names other guardian phones is
 *   looked at again by a person; the card stays valid meanwhile.
 *
 * A first submission cannot be withdrawn (it is matched within seconds), and
 * a teacher's decision is revised by a new version, not by reopening the old one.
 */
import { AppError, errorMessage } from '../errors';
import { codePointLength } from '../text/normalize';

export const REVIEW_STATES = [
  'draft',
  'submitted',
  'matching',
  'pending_review',
  'returned',
  'approved',
  'reconfirm_required',
  'withdrawn',
  'disputed',
] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

export const REVIEW_STATE_LABELS: Readonly<Record<ReviewState, string>> = {
  draft: '草稿',
  submitted: '已提交',
  matching: '比对中',
  pending_review: '待班主任审核',
  returned: '已退回',
  approved: '已认证',
  reconfirm_required: '待重新确认',
  withdrawn: '已撤回',
  disputed: '身份申诉待处理',
};

/** Why the registry match could not approve on its own. */
export const MATCH_REVIEW_REASONS = ['mismatch', 'not_found', 'transient_status', 'guardian_mismatch', 'no_guardian_phone'] as const;
export type MatchReviewReason = (typeof MATCH_REVIEW_REASONS)[number];

export const MATCH_REVIEW_REASON_LABELS: Readonly<Record<MatchReviewReason, string>> = {
  mismatch: '信息与学籍库不一致',
  not_found: '学籍库中未找到该学生',
  transient_status: '学籍状态为借读或变动中',
  guardian_mismatch: '监护人手机号与学籍库不一致',
  no_guardian_phone: '学籍库无监护人手机号',
};

/**
 * What an approval rested on besides equal key fields (profile_versions.approval_evidence):
 * the submitting account's verified phone is a guardian phone of the registry row; the registry
 * row had no guardian phone and the operator allows that (AUTO_APPROVE_WITHOUT_GUARDIAN_PHONE);
 * a person (head teacher, school administrator) decided; or the approval predates the rule.
 */
export const APPROVAL_EVIDENCE = ['guardian_phone', 'none_allowed_by_setting', 'teacher', 'legacy'] as const;
export type ApprovalEvidence = (typeof APPROVAL_EVIDENCE)[number];

export const APPROVAL_EVIDENCE_LABELS: Readonly<Record<ApprovalEvidence, string>> = {
  guardian_phone: '账号手机号与学籍库监护人手机号一致',
  none_allowed_by_setting: '学籍库无监护人手机号（按设置自动通过）',
  teacher: '班主任或学校管理员审核通过',
  legacy: '规则上线前通过（无监护人佐证）',
};

/** Approvals that carry no guardian evidence: the ones the rollout re-checks when a registry with guardian phones arrives. */
export const EVIDENCE_LACKING: readonly ApprovalEvidence[] = ['legacy', 'none_allowed_by_setting'];

export const MIN_RETURN_REASON_LENGTH = 2;
export const MAX_RETURN_REASON_LENGTH = 200;

export const REVIEW_EVENTS = [
  'submit',
  'resubmit_key_change',
  'start_matching',
  'match_approved',
  'match_needs_review',
  'match_retry',
  'teacher_approve',
  'teacher_return',
  'semester_reset',
  'reconfirm',
  'family_withdraw',
  'match_disputed',
  'dispute_keep',
  'dispute_transfer',
  'dispute_lost',
  'evidence_mismatch',
] as const;
export type ReviewEventType = (typeof REVIEW_EVENTS)[number];

export type ReviewEvent =
  | { type: 'submit' }
  | { type: 'resubmit_key_change' }
  | { type: 'start_matching' }
  | { type: 'match_approved' }
  | { type: 'match_needs_review'; reason: MatchReviewReason }
  | { type: 'match_retry' }
  | { type: 'teacher_approve' }
  | { type: 'teacher_return'; reason: string }
  | { type: 'semester_reset' }
  | { type: 'reconfirm' }
  | { type: 'family_withdraw' }
  | { type: 'match_disputed' }
  | { type: 'dispute_keep' }
  | { type: 'dispute_transfer' }
  | { type: 'dispute_lost' }
  | { type: 'evidence_mismatch' };

/** Every allowed transition: the event, the states it may happen in, and where it leads. */
export const TRANSITIONS: Readonly<Record<ReviewEventType, { from: readonly ReviewState[]; to: ReviewState }>> = {
  submit: { from: ['draft', 'returned', 'reconfirm_required'], to: 'submitted' },
  resubmit_key_change: { from: ['approved'], to: 'submitted' },
  start_matching: { from: ['submitted'], to: 'matching' },
  match_approved: { from: ['matching'], to: 'approved' },
  match_needs_review: { from: ['matching'], to: 'pending_review' },
  match_retry: { from: ['matching'], to: 'submitted' },
  teacher_approve: { from: ['pending_review'], to: 'approved' },
  teacher_return: { from: ['pending_review'], to: 'returned' },
  semester_reset: { from: ['approved'], to: 'reconfirm_required' },
  reconfirm: { from: ['reconfirm_required'], to: 'submitted' },
  family_withdraw: { from: ['pending_review', 'returned'], to: 'withdrawn' },
  // Disputes (身份申诉): the ID is already approved under another student. The claim waits for a person, who keeps
  // the card where it is (the claim is returned) or transfers it (the claim is approved, the holder's approved
  // version loses: `dispute_lost`).
  match_disputed: { from: ['matching'], to: 'disputed' },
  dispute_keep: { from: ['disputed'], to: 'returned' },
  dispute_transfer: { from: ['disputed'], to: 'approved' },
  dispute_lost: { from: ['approved', 'reconfirm_required'], to: 'returned' },
  // Rollout of guardian evidence: an approval without evidence whose registry row now names other guardian phones
  // goes to a person; the card stays valid meanwhile (the approved version stays the student's).
  evidence_mismatch: { from: ['approved'], to: 'pending_review' },
};

/**
 * States in which the latest version's review is decided: nothing is in
 * flight for a worker or a teacher. (Every state of a latest version has a way
 * out — a new version or a semester reset — so "final" means decided, not
 * terminal; `withdrawn` is history only, never a latest version's state.)
 */
export const FINAL_REVIEW_STATES: readonly ReviewState[] = ['approved', 'returned'];

/** States only ever held by a version that is no longer the student's latest. */
export const HISTORY_ONLY_STATES: readonly ReviewState[] = ['withdrawn'];

/**
 * States of a latest version that a worker or a person is still deciding:
 * the family cannot edit or submit again until the decision (409
 * SUBMISSION_PENDING; the form is read-only).
 */
export const IN_FLIGHT_STATES: readonly ReviewState[] = ['submitted', 'matching', 'pending_review', 'disputed'];

/** States in which a version waits for the registry match (`matching`: an interrupted run left it there). */
export const AWAITING_MATCH_STATES: readonly ReviewState[] = ['submitted', 'matching'];

export function isInFlight(state: string): boolean {
  return (IN_FLIGHT_STATES as readonly string[]).includes(state);
}

export function isAwaitingMatch(state: string): boolean {
  return (AWAITING_MATCH_STATES as readonly string[]).includes(state);
}

/** Why a submission cannot be made from the latest version's state. */
export type SubmissionRefusal = 'SUBMISSION_PENDING' | 'KEY_FIELDS_UNCHANGED';

/**
 * The event of a new submission, from the latest version's state (`draft`
 * when there is none) and whether a key field changed against that version:
 * draft or returned → `submit`; reconfirm_required → `reconfirm` when the key
 * fields are unchanged, else `submit`; approved → `resubmit_key_change` when a
 * key field changed (the card stays valid until the new version is decided),
 * else refused KEY_FIELDS_UNCHANGED (contact fields are edited in place);
 * anything in flight → refused SUBMISSION_PENDING. `keyFieldsChanged` is
 * asked only for approved and reconfirm_required (it decrypts the old version).
 */
export function submissionEvent(
  from: ReviewState,
  keyFieldsChanged: () => boolean,
): { event: Extract<ReviewEvent, { type: 'submit' | 'reconfirm' | 'resubmit_key_change' }> } | { refused: SubmissionRefusal } {
  if (isInFlight(from)) return { refused: 'SUBMISSION_PENDING' };
  if (from === 'approved') return keyFieldsChanged() ? { event: { type: 'resubmit_key_change' } } : { refused: 'KEY_FIELDS_UNCHANGED' };
  if (from === 'reconfirm_required' && !keyFieldsChanged()) return { event: { type: 'reconfirm' } };
  return { event: { type: 'submit' } };
}

/** The transition is not allowed in the current state. */
export class ReviewTransitionError extends AppError {
  readonly from: ReviewState;
  readonly event: ReviewEventType;

  constructor(from: ReviewState, event: ReviewEventType) {
    super('REVIEW_TRANSITION_FORBIDDEN', {
      message: `${errorMessage('REVIEW_TRANSITION_FORBIDDEN')}（${REVIEW_STATE_LABELS[from] ?? from}）`,
    });
    this.name = 'ReviewTransitionError';
    this.from = from;
    this.event = event;
  }
}

export function isReviewState(value: unknown): value is ReviewState {
  return typeof value === 'string' && (REVIEW_STATES as readonly string[]).includes(value);
}

export function isReviewEventType(value: unknown): value is ReviewEventType {
  return typeof value === 'string' && (REVIEW_EVENTS as readonly string[]).includes(value);
}

export function canTransition(state: ReviewState, eventType: ReviewEventType): boolean {
  const rule = TRANSITIONS[eventType];
  return rule !== undefined && rule.from.includes(state);
}

export function allowedEvents(state: ReviewState): ReviewEventType[] {
  return REVIEW_EVENTS.filter((event) => canTransition(state, event));
}

export function isFinal(state: ReviewState): boolean {
  return FINAL_REVIEW_STATES.includes(state);
}

/** The trimmed return reason, or throws AppError REVIEW_RETURN_REASON (field `reason`). */
export function normalizeReturnReason(reason: unknown): string {
  const trimmed = typeof reason === 'string' ? reason.trim() : '';
  const length = codePointLength(trimmed);
  if (length < MIN_RETURN_REASON_LENGTH || length > MAX_RETURN_REASON_LENGTH) {
    throw new AppError('REVIEW_RETURN_REASON', { fields: { reason: errorMessage('REVIEW_RETURN_REASON') } });
  }
  return trimmed;
}

/**
 * The state after `event`. Throws ReviewTransitionError when the event is not
 * allowed in `state`, and AppError when the event's data is invalid (a return
 * without a 2–200 character reason, an unknown match reason).
 */
export function transition(state: ReviewState, event: ReviewEvent): ReviewState {
  if (!isReviewState(state) || !isReviewEventType(event?.type) || !canTransition(state, event.type)) {
    throw new ReviewTransitionError(state, event?.type);
  }
  if (event.type === 'teacher_return') normalizeReturnReason(event.reason);
  if (event.type === 'match_needs_review' && !MATCH_REVIEW_REASONS.includes(event.reason)) {
    throw new AppError('VALIDATION_FAILED', { fields: { reason: errorMessage('VALIDATION_FAILED') } });
  }
  return TRANSITIONS[event.type].to;
}
