import { AppError } from '../errors';
import {
  MATCH_REVIEW_REASONS,
  REVIEW_EVENTS,
  REVIEW_STATES,
  REVIEW_STATE_LABELS,
  type ReviewEvent,
  type ReviewEventType,
  type ReviewState,
  ReviewTransitionError,
  TRANSITIONS,
  allowedEvents,
  canTransition,
  HISTORY_ONLY_STATES,
  isFinal,
  AWAITING_MATCH_STATES,
  IN_FLIGHT_STATES,
  submissionEvent,
  transition,
} from './state-machine';

/** A well-formed event of each type. */
function eventOf(type: ReviewEventType): ReviewEvent {
  switch (type) {
    case 'teacher_return':
      return { type, reason: '班级填写错误，请改为初二（3）班' };
    case 'match_needs_review':
      return { type, reason: 'mismatch' };
    default:
      return { type } as ReviewEvent;
  }
}

const allowed = REVIEW_EVENTS.flatMap((event) => TRANSITIONS[event].from.map((from) => [from, event, TRANSITIONS[event].to] as const));
const forbidden = REVIEW_STATES.flatMap((state) =>
  REVIEW_EVENTS.filter((event) => !TRANSITIONS[event].from.includes(state)).map((event) => [state, event] as const),
);

describe('the review state machine', () => {
  it('follows the authentication flow of DESIGN §2', () => {
    expect(TRANSITIONS).toEqual({
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
      match_disputed: { from: ['matching'], to: 'disputed' },
      dispute_keep: { from: ['disputed'], to: 'returned' },
      dispute_transfer: { from: ['disputed'], to: 'approved' },
      dispute_lost: { from: ['approved', 'reconfirm_required'], to: 'returned' },
      evidence_mismatch: { from: ['approved'], to: 'pending_review' },
    });
  });

  it.each(allowed)('%s --%s--> %s', (from, event, to) => {
    expect(canTransition(from, event)).toBe(true);
    expect(transition(from, eventOf(event))).toBe(to);
  });

  it.each(forbidden)('refuses %s in state %s', (state, event) => {
    expect(canTransition(state, event)).toBe(false);
    let error: unknown;
    try {
      transition(state, eventOf(event));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ReviewTransitionError);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'REVIEW_TRANSITION_FORBIDDEN', status: 409, from: state, event });
  });

  it('covers every state × event pair exactly once between allowed and forbidden', () => {
    expect(allowed.length + forbidden.length).toBe(REVIEW_STATES.length * REVIEW_EVENTS.length);
  });

  it('can reach every state from draft, and leave every state', () => {
    const reached = new Set<ReviewState>(['draft']);
    for (let grew = true; grew; ) {
      grew = false;
      for (const [from, , to] of allowed) {
        if (reached.has(from) && !reached.has(to)) {
          reached.add(to);
          grew = true;
        }
      }
    }
    expect([...reached].sort()).toEqual([...REVIEW_STATES].sort());
    // A withdrawn version is history: the student is back on its approved version, which moves on.
    for (const state of REVIEW_STATES) expect(allowedEvents(state).length > 0).toBe(!HISTORY_ONLY_STATES.includes(state));
  });

  it('walks the returned-then-approved path', () => {
    const steps: ReviewEvent[] = [
      { type: 'submit' },
      { type: 'start_matching' },
      { type: 'match_needs_review', reason: 'not_found' },
      { type: 'teacher_return', reason: '请核对身份证号' },
      { type: 'submit' },
      { type: 'start_matching' },
      { type: 'match_needs_review', reason: 'mismatch' },
      { type: 'teacher_approve' },
      { type: 'semester_reset' },
      { type: 'reconfirm' },
      { type: 'start_matching' },
      { type: 'match_approved' },
    ];
    expect(steps.reduce<ReviewState>(transition, 'draft')).toBe('approved');
  });

  describe('a teacher returning a submission', () => {
    const pending: ReviewState = 'pending_review';

    it.each([
      ['no reason', undefined],
      ['an empty reason', ''],
      ['a blank reason', '   '],
      ['a one-character reason', '错'],
      ['a reason of 201 characters', '错'.repeat(201)],
    ])('must give a reason of 2–200 characters, not %s', (_label, reason) => {
      expect(() => transition(pending, { type: 'teacher_return', reason } as ReviewEvent)).toThrow(
        expect.objectContaining({ code: 'REVIEW_RETURN_REASON', fields: { reason: expect.any(String) } }),
      );
    });

    it('may give 2 or 200 characters, counted after trimming', () => {
      expect(transition(pending, { type: 'teacher_return', reason: ' 错误 ' })).toBe('returned');
      expect(transition(pending, { type: 'teacher_return', reason: '错'.repeat(200) })).toBe('returned');
    });
  });

  it('accepts only the known reasons for a review after matching', () => {
    for (const reason of MATCH_REVIEW_REASONS) expect(transition('matching', { type: 'match_needs_review', reason })).toBe('pending_review');
    expect(() => transition('matching', { type: 'match_needs_review', reason: 'bored' } as never)).toThrow(AppError);
  });

  it('treats a decided version as final: approved or returned', () => {
    expect(REVIEW_STATES.filter(isFinal)).toEqual(['returned', 'approved']);
  });

  it('lists the allowed events of a state', () => {
    expect(allowedEvents('approved')).toEqual(['resubmit_key_change', 'semester_reset', 'dispute_lost', 'evidence_mismatch']);
    expect(allowedEvents('matching')).toEqual(['match_approved', 'match_needs_review', 'match_retry', 'match_disputed']);
    expect(allowedEvents('disputed')).toEqual(['dispute_keep', 'dispute_transfer']);
  });

  it('has a Chinese label for every state', () => {
    expect(REVIEW_STATES.map((s) => REVIEW_STATE_LABELS[s])).toEqual([
      '草稿', '已提交', '比对中', '待班主任审核', '已退回', '已认证', '待重新确认', '已撤回', '身份申诉待处理',
    ]);
  });

  it('refuses an unknown event or state instead of guessing', () => {
    expect(() => transition('draft', { type: 'approve_everything' } as never)).toThrow(ReviewTransitionError);
    expect(() => transition('archived' as never, { type: 'submit' })).toThrow(ReviewTransitionError);
  });

  it('groups the states a worker or a person is still deciding, and those awaiting the match', () => {
    expect(IN_FLIGHT_STATES).toEqual(['submitted', 'matching', 'pending_review', 'disputed']);
    expect(AWAITING_MATCH_STATES).toEqual(['submitted', 'matching']);
    for (const state of AWAITING_MATCH_STATES) expect(IN_FLIGHT_STATES).toContain(state);
  });

  it('chooses the event of a submission from the latest state and whether a key field changed', () => {
    const changed = () => true;
    const unchanged = () => false;
    expect(submissionEvent('draft', unchanged)).toEqual({ event: { type: 'submit' } });
    expect(submissionEvent('returned', changed)).toEqual({ event: { type: 'submit' } });
    expect(submissionEvent('reconfirm_required', unchanged)).toEqual({ event: { type: 'reconfirm' } });
    expect(submissionEvent('reconfirm_required', changed)).toEqual({ event: { type: 'submit' } });
    expect(submissionEvent('approved', changed)).toEqual({ event: { type: 'resubmit_key_change' } });
    expect(submissionEvent('approved', unchanged)).toEqual({ refused: 'KEY_FIELDS_UNCHANGED' });
    for (const state of IN_FLIGHT_STATES) expect(submissionEvent(state, changed)).toEqual({ refused: 'SUBMISSION_PENDING' });
  });

  it('asks whether a key field changed only where the answer decides the event', () => {
    const asked: ReviewState[] = [];
    for (const state of REVIEW_STATES) submissionEvent(state, () => (asked.push(state), true));
    expect(asked).toEqual(['approved', 'reconfirm_required']);
  });

  it('lets every chosen event pass the state machine', () => {
    for (const state of REVIEW_STATES.filter((s) => !HISTORY_ONLY_STATES.includes(s))) {
      for (const changed of [true, false]) {
        const choice = submissionEvent(state, () => changed);
        if ('event' in choice) expect(transition(state, choice.event)).toBe('submitted');
      }
    }
  });
});
