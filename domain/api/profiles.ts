/**
 * The profiles API contract (family accounts: parent, student), shared by the
 * server routes and the mini-program pages: students of the account, drafts,
 * submissions, the status timeline, the 电子档案 contact edit, and the school →
 * grade → class pickers. The request bodies of drafts and submissions are the
 * domain's own ProfileDraftSchema and ProfileSubmissionSchema (validated the
 * same way on both sides).
 *
 * Ownership: a family sees only its own students; another family's student
 * answers 404 NOT_FOUND (never 403), so a student id does not reveal that the
 * student exists.
 */
import { z } from 'zod';
import { emailSchema } from '../contact/email';
import { phoneSchema } from '../contact/phone';
import { errorMessage } from '../errors';
import { GRADES, MAX_GUARDIANS, addressSchema } from '../profile/schemas';
import { REVIEW_STATES } from '../review/state-machine';

/** A family account holds at most this many students (a student account: itself only). */
export const MAX_STUDENTS_PER_FAMILY = 10;
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 50;

export const PageQuerySchema = z.object({
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
});

export const StudentIdParamsSchema = z.object({ studentId: z.uuid({ error: errorMessage('NOT_FOUND') }) });

const ReviewStateSchema = z.enum(REVIEW_STATES);
const isoDate = z.string().describe('ISO 8601 instant (UTC)');

export const CardViewSchema = z.object({
  /** 教育卡号, see domain/card/card-number.ts */
  number: z.string(),
  issuedAt: isoDate,
  /** False once revoked (the student left). A pending or returned key-field change does not revoke it. */
  valid: z.boolean(),
});
export type CardView = z.infer<typeof CardViewSchema>;

export const VersionSummarySchema = z.object({
  id: z.uuid(),
  version: z.number().int(),
  status: ReviewStateSchema,
  statusLabel: z.string(),
  submittedAt: isoDate,
  /** A 电子档案 contact edit (never matched or reviewed). */
  contactOnly: z.boolean(),
});

// GET /api/students, POST /api/students
export const StudentSummarySchema = z.object({
  id: z.uuid(),
  /** Review status of the latest version ('draft' before the first submission). */
  status: ReviewStateSchema,
  statusLabel: z.string(),
  /** 张* — from the latest version, else from the draft; null when no name was entered yet. */
  nameMasked: z.string().nullable(),
  card: CardViewSchema.nullable(),
  /**
   * The student holds a valid card (domain/card/card-holder.ts): class notices,
   * the e-card and the card's data follow this, not `status`, which is the
   * review status of the latest version (a change may be pending or returned).
   */
  hasValidCard: z.boolean(),
  latestVersion: VersionSummarySchema.nullable(),
  hasDraft: z.boolean(),
  createdAt: isoDate,
});
export type StudentSummary = z.infer<typeof StudentSummarySchema>;

export const ListStudentsQuerySchema = PageQuerySchema;
export const ListStudentsResponseSchema = z.object({
  items: z.array(StudentSummarySchema),
  page: z.number().int(),
  pageSize: z.number().int(),
  total: z.number().int(),
});

/** Nothing to send: the student's data comes with the draft and the submission. */
export const CreateStudentRequestSchema = z.strictObject({}).optional();

// GET /api/students/:studentId
export const StudentDetailQuerySchema = z.strictObject({
  /** `residentId`: answer the student's full resident ID number once (audited as profile.reveal_resident_id). */
  reveal: z.literal('residentId').optional(),
});

/** A submitted profile as shown back: ID numbers and phones masked. */
export const MaskedProfileSchema = z.object({
  personal: z.object({
    name: z.string(),
    residentIdMasked: z.string(),
    phoneMasked: z.string().nullable(),
    emailMasked: z.string().nullable(),
  }),
  school: z.object({
    schoolId: z.uuid().nullable(),
    schoolName: z.string().nullable(),
    schoolCode: z.string().nullable(),
    grade: z.string().nullable(),
    gradeLabel: z.string().nullable(),
    classId: z.uuid().nullable(),
    className: z.string().nullable(),
  }),
  guardians: z.array(
    z.object({
      name: z.string(),
      relation: z.string(),
      relationLabel: z.string(),
      residentIdMasked: z.string(),
      phoneMasked: z.string(),
      /** As typed (shown as text, never as HTML). */
      address: z.string(),
    }),
  ),
});
export type MaskedProfile = z.infer<typeof MaskedProfileSchema>;

export const TIMELINE_STEPS = ['submitted', 'matching', 'pending_review', 'approved', 'returned', 'contact_updated', 'withdrawn'] as const;
export type TimelineStep = (typeof TIMELINE_STEPS)[number];

/** What the family reads in 审核进度: 已提交 → 比对中 → 待班主任审核 → 已通过 / 已退回. */
export const TIMELINE_STEP_LABELS: Readonly<Record<TimelineStep, string>> = {
  submitted: '已提交',
  matching: '比对中',
  pending_review: '待班主任审核',
  approved: '已通过',
  returned: '已退回',
  contact_updated: '联系方式已更新',
  withdrawn: '已撤回变更',
};

export const TimelineEntrySchema = z.object({
  step: z.enum(TIMELINE_STEPS),
  label: z.string(),
  at: isoDate,
  versionId: z.uuid(),
  version: z.number().int(),
  /** 第 N 次提交 of the version (contact edits not counted). */
  submission: z.number().int(),
  /** 已退回: the teacher's reason; 已通过: 学籍比对自动通过 or 班主任审核通过. */
  note: z.string().nullable(),
  /** The newest entry: where the student's profile stands now. */
  current: z.boolean(),
});
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>;

/** What the family may do next. */
export const STUDENT_ACTIONS = ['submit', 'resubmit_key_change', 'reconfirm', 'edit_contact', 'withdraw_change'] as const;

export const StudentDetailSchema = StudentSummarySchema.extend({
  approvedVersionId: z.uuid().nullable(),
  latest: VersionSummarySchema.extend({
    /** 第 N 次提交: submissions up to this version, contact edits not counted. */
    submission: z.number().int(),
    decidedAt: isoDate.nullable(),
    /** The teacher's reason when the latest version was returned. */
    returnReason: z.string().nullable(),
    /** The registry match's outcome: matched, or why a person reviews it (mismatch, not_found, transient_status = 借读或变动中). */
    matchOutcome: z.string().nullable(),
    profile: MaskedProfileSchema,
  }).nullable(),
  /**
   * The data the valid card carries — the approved version — when the latest
   * version is a key-field change not approved (yet); null otherwise (then
   * `latest` is what the card carries, or there is no card).
   */
  approved: z
    .object({ id: z.uuid(), version: z.number().int(), decidedAt: isoDate.nullable(), profile: MaskedProfileSchema })
    .nullable(),
  /**
   * A key-field change on top of a valid card: in review (being matched or
   * waiting for the head teacher) or returned (with the reason). The card stays
   * valid either way; `withdraw_change` in `actions` when it can be withdrawn.
   */
  change: z
    .object({
      state: z.enum(['in_review', 'returned']),
      versionId: z.uuid(),
      submission: z.number().int(),
      statusLabel: z.string(),
      submittedAt: isoDate,
      returnReason: z.string().nullable(),
    })
    .nullable(),
  /** Oldest first. */
  timeline: z.array(TimelineEntrySchema),
  actions: z.array(z.enum(STUDENT_ACTIONS)),
  /** Only with ?reveal=residentId. */
  revealed: z.object({ residentId: z.string() }).optional(),
});
export type StudentDetail = z.infer<typeof StudentDetailSchema>;

// DELETE /api/students/:studentId (a student never submitted)
export const DeleteStudentResponseSchema = z.object({ studentId: z.uuid(), deleted: z.literal(true) });

// POST /api/students/:studentId/change/withdraw → StudentDetail
export const WithdrawChangeRequestSchema = z.strictObject({}).optional();

// PUT /api/students/:studentId/draft (body: ProfileDraftSchema)
export const SaveDraftResponseSchema = z.object({ updatedAt: isoDate });

// GET /api/students/:studentId/draft
export const GetDraftResponseSchema = z.object({
  /**
   * draft: the saved draft. latest_version: no draft, so the latest submitted
   * version (decrypted, to correct and resubmit; audited as
   * profile.reveal_for_edit). none: nothing yet.
   */
  source: z.enum(['draft', 'latest_version', 'none']),
  /** The form's values, full ID numbers and phones included (the family's own data). */
  draft: z.record(z.string(), z.unknown()).nullable(),
  updatedAt: isoDate.nullable(),
});

// POST /api/students/:studentId/submissions (body: ProfileSubmissionSchema)
export const SubmissionResponseSchema = z.object({
  studentId: z.uuid(),
  versionId: z.uuid(),
  version: z.number().int(),
  status: ReviewStateSchema,
  statusLabel: z.string(),
});

// PATCH /api/students/:studentId/contact
function blankToNull(value: unknown): unknown {
  return typeof value === 'string' && value.trim() === '' ? null : value;
}

export const GuardianContactSchema = z.strictObject({
  phone: phoneSchema.optional(),
  address: addressSchema.optional(),
});

/**
 * The 电子档案 contact edit: only contact fields (the student's phone and
 * e-mail, each guardian's phone and address, by position). Absent fields keep
 * their value; for the student's phone and e-mail, null or '' clears it.
 */
export const UpdateContactRequestSchema = z
  .strictObject({
    personal: z
      .strictObject({
        phone: z.preprocess(blankToNull, phoneSchema.nullable()).optional(),
        email: z.preprocess(blankToNull, emailSchema.nullable()).optional(),
      })
      .optional(),
    guardians: z
      .array(GuardianContactSchema, { error: errorMessage('GUARDIANS_COUNT') })
      .max(MAX_GUARDIANS, { error: errorMessage('GUARDIANS_COUNT') })
      .optional(),
  })
  .refine((body) => body.personal !== undefined || body.guardians !== undefined, { message: '请至少修改一项联系方式' });
export type UpdateContactRequest = z.output<typeof UpdateContactRequestSchema>;

// GET /api/schools?q=
export const SearchSchoolsQuerySchema = PageQuerySchema.extend({
  /** Part of the name, or the beginning of the 10-digit 学校标识码. */
  // Control characters (NUL above all: PostgreSQL text cannot hold it) are never part of a school's name or code.
  q: z.string().trim().max(50).regex(/^[^\u0000-\u001f\u007f]*$/, '搜索内容含有无效字符').optional(),
});
export const SchoolViewSchema = z.object({ id: z.uuid(), code: z.string(), name: z.string() });
export const SearchSchoolsResponseSchema = z.object({
  items: z.array(SchoolViewSchema),
  page: z.number().int(),
  pageSize: z.number().int(),
  total: z.number().int(),
});

// GET /api/schools/:schoolId/classes?grade=
export const SchoolIdParamsSchema = z.object({ schoolId: z.uuid({ error: errorMessage('NOT_FOUND') }) });
export const ListClassesQuerySchema = PageQuerySchema.extend({
  grade: z.enum(GRADES, { error: errorMessage('GRADE_INVALID') }).optional(),
  pageSize: z.coerce.number().int().min(1).max(200).default(100),
});
export const ClassViewSchema = z.object({ id: z.uuid(), grade: z.enum(GRADES), gradeLabel: z.string(), name: z.string() });
export const ListClassesResponseSchema = z.object({
  school: SchoolViewSchema,
  /** Grades that have at least one class, in school order (for the grade picker). */
  grades: z.array(z.object({ grade: z.enum(GRADES), label: z.string() })),
  items: z.array(ClassViewSchema),
  page: z.number().int(),
  pageSize: z.number().int(),
  total: z.number().int(),
});
