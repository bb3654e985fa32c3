/**
 * The review API contract (teachers and school administrators), shared by the
 * server routes and the mini-program's 待审核 / 审核详情 pages.
 *
 * Scope: a teacher reviews the classes they are head teacher of
 * (classes.head_teacher_id); a school administrator every class of their
 * school. A version of another class of the same school answers 403; one of
 * another school 404 (its existence is not revealed).
 */
import { z } from 'zod';
import { errorMessage } from '../errors';
import { GRADES } from '../profile/schemas';
import { MAX_RETURN_REASON_LENGTH, MIN_RETURN_REASON_LENGTH, REVIEW_STATES } from '../review/state-machine';
import { codePointLength, removeControlCharacters } from '../text/normalize';
import { freeTextSchema } from '../validation/field-schema';
import { MAX_PAGE_SIZE, PageQuerySchema } from './profiles';

/** The statuses a reviewer filters by: 待审核 / 已退回 / 已通过. */
export const REVIEW_LIST_STATUSES = ['pending_review', 'disputed', 'returned', 'approved'] as const;
export type ReviewListStatus = (typeof REVIEW_LIST_STATUSES)[number];

export const REVIEW_LIST_STATUS_LABELS: Readonly<Record<ReviewListStatus, string>> = {
  pending_review: '待审核',
  disputed: '身份申诉',
  returned: '已退回',
  approved: '已通过',
};

/** The return dialog's presets; 其他 needs a text. */
export const RETURN_REASON_PRESETS = ['姓名与学籍不一致', '身份证号有误', '年级或班级填写错误', '借读生请补充说明', '其他'] as const;
export type ReturnReasonPreset = (typeof RETURN_REASON_PRESETS)[number];

export const VersionIdParamsSchema = z.object({ versionId: z.uuid({ error: errorMessage('NOT_FOUND') }) });

// GET /api/reviews?status=&classId=&page=
export const ListReviewsQuerySchema = PageQuerySchema.extend({
  status: z.enum(REVIEW_LIST_STATUSES).default('pending_review'),
  classId: z.uuid({ error: errorMessage('CLASS_INVALID') }).optional(),
  pageSize: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(20),
});

export const ClassReviewCountsSchema = z.object({
  classId: z.uuid(),
  grade: z.enum(GRADES),
  gradeLabel: z.string(),
  className: z.string(),
  /** Students whose latest version is in each status. */
  pendingReview: z.number().int(),
  /** 身份申诉: the ID is approved under another account. */
  disputed: z.number().int(),
  returned: z.number().int(),
  approved: z.number().int(),
});

export const ReviewListItemSchema = z.object({
  versionId: z.uuid(),
  studentId: z.uuid(),
  version: z.number().int(),
  /** 张* */
  nameMasked: z.string(),
  classId: z.uuid().nullable(),
  className: z.string().nullable(),
  grade: z.string().nullable(),
  status: z.enum(REVIEW_STATES),
  statusLabel: z.string(),
  /** mismatch | not_found | transient_status | matched (null before matching). */
  matchOutcome: z.string().nullable(),
  matchOutcomeLabel: z.string().nullable(),
  submittedAt: z.string(),
  statusChangedAt: z.string(),
});

export const ListReviewsResponseSchema = z.object({
  /** Every class in scope, with its counts (also those with none). */
  classes: z.array(ClassReviewCountsSchema),
  items: z.array(ReviewListItemSchema),
  page: z.number().int(),
  pageSize: z.number().int(),
  total: z.number().int(),
});

export const REVIEW_FIELDS = ['name', 'residentId', 'school', 'grade', 'class', 'registryStatus'] as const;
export type ReviewField = (typeof REVIEW_FIELDS)[number];

export const REVIEW_FIELD_LABELS: Readonly<Record<ReviewField, string>> = {
  name: '姓名',
  residentId: '身份证号',
  school: '学校',
  grade: '年级',
  class: '班级',
  registryStatus: '学籍状态',
};

export const ReviewFieldComparisonSchema = z.object({
  field: z.enum(REVIEW_FIELDS),
  label: z.string(),
  /** Display values; ID numbers masked. */
  submitted: z.string().nullable(),
  registry: z.string().nullable(),
  /** From the stored match diff: show highlighted. */
  differs: z.boolean(),
  /** Only the registry knows it (学籍状态): families never fill it in, so there is no 家长填报 value to show. */
  registryOnly: z.boolean(),
});

/** How the account's verified phone compares with the registry's guardian phones. */
export const GUARDIAN_EVIDENCE_OUTCOMES = ['match', 'mismatch', 'registry_has_none', 'no_registry'] as const;
export type GuardianEvidenceOutcome = (typeof GUARDIAN_EVIDENCE_OUTCOMES)[number];

export const GUARDIAN_EVIDENCE_LABELS: Readonly<Record<GuardianEvidenceOutcome, string>> = {
  match: '账号手机号与学籍库监护人手机号一致',
  mismatch: '监护人手机号与学籍库不一致',
  registry_has_none: '学籍库无监护人手机号',
  no_registry: '学籍库中未找到该学生',
};

/** The guardian evidence of one claim (phones masked): shown next to the field diff. */
export const GuardianEvidenceSchema = z.object({
  /** The submitting (or holding) account's verified phone, 138****5678; null when it has none. */
  accountPhoneMasked: z.string().nullable(),
  /** The guardians the registry names (监护人1/2). */
  registryGuardians: z.array(
    z.object({ nameMasked: z.string().nullable(), phoneMasked: z.string().nullable(), matchesAccount: z.boolean() }),
  ),
  outcome: z.enum(GUARDIAN_EVIDENCE_OUTCOMES),
  label: z.string(),
});
export type GuardianEvidence = z.infer<typeof GuardianEvidenceSchema>;

/** One side of a dispute (身份申诉), masked. */
export const DisputeClaimSchema = z.object({
  studentId: z.uuid(),
  /** The claim's version: the holder's approved version, or the disputed submission. */
  versionId: z.uuid(),
  nameMasked: z.string(),
  schoolName: z.string().nullable(),
  className: z.string().nullable(),
  submittedAt: z.string(),
  guardianEvidence: GuardianEvidenceSchema,
  /** What the holder's approval rested on (null for the claimant). */
  approvalEvidence: z.string().nullable(),
  approvalEvidenceLabel: z.string().nullable(),
  /** The holder's card number (null for a claimant without a card). */
  cardNumber: z.string().nullable(),
});

export const DISPUTE_DECISIONS = ['keep', 'transfer'] as const;
export type DisputeDecision = (typeof DISPUTE_DECISIONS)[number];

// GET /api/reviews/:versionId
export const ReviewDetailSchema = z.object({
  versionId: z.uuid(),
  studentId: z.uuid(),
  version: z.number().int(),
  status: z.enum(REVIEW_STATES),
  statusLabel: z.string(),
  contactOnly: z.boolean(),
  submittedAt: z.string(),
  decidedAt: z.string().nullable(),
  reviewReason: z.string().nullable(),
  matchOutcome: z.string().nullable(),
  matchOutcomeLabel: z.string().nullable(),
  /** False when the registry has no row for the ID (registry values are then null). */
  registryFound: z.boolean(),
  fields: z.array(ReviewFieldComparisonSchema),
  guardians: z.array(
    z.object({ name: z.string(), relationLabel: z.string(), residentIdMasked: z.string(), phoneMasked: z.string() }),
  ),
  /** The student's ID is already authenticated under another account: it cannot be approved (a dispute decides). */
  residentIdApprovedElsewhere: z.boolean(),
  /**
   * The card the student held before this version was submitted (a key-field
   * change after approval): it stays valid whatever is decided here. Null for
   * a first submission, also once approving it has issued the student's first card.
   */
  cardNumber: z.string().nullable(),
  /** 第 N 次提交: submissions of the student up to this version, contact edits not counted. */
  submission: z.number().int(),
  /**
   * The student's submission before this one (contact edits skipped): how it
   * ended (returned with its reason, approved…) and what this one changed of
   * the key fields (ID numbers masked). Null for a first submission.
   */
  previous: z
    .object({
      versionId: z.uuid(),
      submission: z.number().int(),
      status: z.enum(REVIEW_STATES),
      statusLabel: z.string(),
      reviewReason: z.string().nullable(),
      changes: z.array(z.object({ field: z.enum(REVIEW_FIELDS), label: z.string(), before: z.string().nullable(), after: z.string().nullable() })),
    })
    .nullable(),
  /** The submitting account's phone against the registry's guardian phones (masked). */
  guardianEvidence: GuardianEvidenceSchema,
  /** For an approved version: what the approval rested on (guardian_phone, none_allowed_by_setting, teacher, legacy). */
  approvalEvidence: z.string().nullable(),
  approvalEvidenceLabel: z.string().nullable(),
  /** A dispute (status disputed): both claims side by side; null otherwise. */
  dispute: z.object({ holder: DisputeClaimSchema.nullable(), claimant: DisputeClaimSchema }).nullable(),
  /** What the caller may do now: approve / return (待审核), keep / transfer (身份申诉). */
  actions: z.array(z.enum(['approve', 'return', 'keep', 'transfer'])),
});

// POST /api/reviews/:versionId/dispute
export const DisputeDecisionRequestSchema = z.strictObject({
  /** keep: the card stays with the account holding it, the claim is returned; transfer: the claim wins the card. */
  decision: z.enum(DISPUTE_DECISIONS, { error: '请选择保留或转移' }),
  /** Optional note for both families (2–200 characters when given). */
  note: z
    .string()
    .transform((v) => removeControlCharacters(v, { keepLineBreaks: false }).trim())
    .pipe(z.string().max(MAX_RETURN_REASON_LENGTH, { error: `说明不能超过 ${MAX_RETURN_REASON_LENGTH} 个字` }))
    .optional(),
});
export type DisputeDecisionRequest = z.output<typeof DisputeDecisionRequestSchema>;

// POST /api/reviews/:versionId/return
export const ReturnReviewRequestSchema = z
  .strictObject({
    reasonPreset: z.enum(RETURN_REASON_PRESETS, { error: '请选择退回原因' }),
    reasonText: freeTextSchema('请填写退回原因')
      .transform((v) => removeControlCharacters(v, { keepLineBreaks: true }).trim())
      .pipe(z.string().max(MAX_RETURN_REASON_LENGTH))
      .optional(),
  })
  .superRefine((body, ctx) => {
    if (body.reasonPreset === '其他' && !body.reasonText) {
      ctx.addIssue({ code: 'custom', path: ['reasonText'], message: '请填写退回原因' });
      return;
    }
    const length = codePointLength(returnReason(body));
    if (length < MIN_RETURN_REASON_LENGTH || length > MAX_RETURN_REASON_LENGTH) {
      ctx.addIssue({ code: 'custom', path: ['reasonText'], message: errorMessage('REVIEW_RETURN_REASON') });
    }
  });
export type ReturnReviewRequest = z.output<typeof ReturnReviewRequestSchema>;

/** The reason the family reads: the preset, then the text (其他 alone is not a reason: its text is). */
export function returnReason(body: { reasonPreset: ReturnReasonPreset; reasonText?: string | undefined }): string {
  const text = body.reasonText?.trim() ?? '';
  if (body.reasonPreset === '其他') return text;
  return text ? `${body.reasonPreset}：${text}` : body.reasonPreset;
}

export const ReviewDecisionResponseSchema = z.object({
  versionId: z.uuid(),
  status: z.enum(REVIEW_STATES),
  statusLabel: z.string(),
  /** After an approval: the student's card number (issued at the first approval). */
  cardNumber: z.string().nullable(),
  reviewReason: z.string().nullable(),
});
