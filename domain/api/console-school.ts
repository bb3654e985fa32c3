/**
 * The console's school administration pages (school administrators for their
 * own school, operators for any): teachers (add one, import a file with the
 * validation report first, disable, re-send the activation SMS), a class's
 * students with their cards and the class's status list as XLSX, the school's
 * daily activity and time to decision, and (operators) the waiting reviews
 * that have nobody to review them. Paths under /api/console.
 */
import { z } from 'zod';
import { errorMessage } from '../errors';
import { REVIEW_STATES } from '../review/state-machine';
import { ConsoleTeacherSchema } from './console';
import { PageQuerySchema } from './profiles';

export const TeacherIdParamsSchema = z.object({
  schoolId: z.uuid({ error: errorMessage('NOT_FOUND') }),
  teacherId: z.uuid({ error: errorMessage('NOT_FOUND') }),
});

const cell = (max: number, required: string) =>
  z
    .string({ error: required })
    .max(max, { error: `不能超过 ${max} 个字符` })
    // The row goes through the teachers-file rules; only what a cell cannot hold is refused here.
    .refine((v) => !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(v) && !/\p{Cs}/u.test(v), { message: '含有无效字符' });

// POST /api/console/schools/:schoolId/teachers — one teacher, by the rules of a teachers-file row.
export const AddTeacherRequestSchema = z.strictObject({
  name: cell(40, '请填写姓名'),
  phone: cell(20, '请填写手机号'),
  residentId: cell(24, '请填写身份证号'),
  /** 任教班级, as in the file: 三年级1班、三年级2班 */
  classes: cell(200, '请填写任教班级'),
  /** 班主任班级 (optional): one of the classes taught. */
  headClass: cell(20, '请填写班主任班级').optional(),
});
export type AddTeacherRequest = z.infer<typeof AddTeacherRequestSchema>;

export const TeacherImportSummarySchema = z.object({
  teachersCreated: z.number().int(),
  teachersUpdated: z.number().int(),
  teachersUnchanged: z.number().int(),
  classesCreated: z.number().int(),
});

export const TeacherFileProblemSchema = z.object({ row: z.number().int(), column: z.string(), message: z.string() });

export const AddTeacherResponseSchema = z.object({ teacher: ConsoleTeacherSchema, summary: TeacherImportSummarySchema });

/** A teachers file is one school's staff: a few hundred rows at most, well inside a request. */
export const MAX_TEACHER_FILE_BYTES = 60 * 1024;

// POST /api/console/schools/:schoolId/teachers/import
export const TeacherImportRequestSchema = z.strictObject({
  fileName: z
    .string({ error: '请选择文件' })
    .trim()
    .min(1, { error: '请选择文件' })
    .max(120)
    .refine((v) => /\.csv$/i.test(v), { message: '请上传 CSV 文件（Excel 中“另存为 CSV”）' })
    .refine((v) => !/[\u0000-\u001f\u007f]/.test(v) && !/\p{Cs}/u.test(v), { message: '文件名含有无效字符' }),
  /** The file's bytes, base64 (UTF-8 or GBK as Excel writes them). */
  contentBase64: z
    .string({ error: '请选择文件' })
    .min(1, { error: '文件是空的' })
    .max(Math.ceil(MAX_TEACHER_FILE_BYTES / 3) * 4, { error: `文件不能超过 ${MAX_TEACHER_FILE_BYTES / 1024} KB` })
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, { error: '文件内容无法读取' }),
  /** true: check everything and say what would change, write nothing (the validation report). */
  dryRun: z.boolean({ error: '请指明是否试运行' }),
});

export const TeacherImportResponseSchema = z.object({
  /** No problem: imported, or (dryRun) would import. */
  ok: z.boolean(),
  dryRun: z.boolean(),
  /** Non-blank data rows read. */
  dataRows: z.number().int(),
  encoding: z.enum(['utf-8', 'gb18030']).nullable(),
  /** Every problem (row as a spreadsheet numbers it, column as written in the file); nothing was written when any. */
  problems: z.array(TeacherFileProblemSchema),
  summary: TeacherImportSummarySchema.nullable(),
});
export type TeacherImportResponse = z.infer<typeof TeacherImportResponseSchema>;

// POST /api/console/schools/:schoolId/teachers/:teacherId/disable
export const DisableTeacherResponseSchema = z.object({
  teacher: ConsoleTeacherSchema,
  /** Waiting reviews of the classes they headed, now with the school admin. */
  movedReviews: z.number().int(),
});

// POST /api/console/schools/:schoolId/teachers/:teacherId/activation-sms
export const ActivationSmsResponseSchema = z.object({ phoneMasked: z.string() });

export const CARD_STATES = ['none', 'valid', 'revoked'] as const;
export const CARD_STATE_LABELS: Readonly<Record<(typeof CARD_STATES)[number], string>> = { none: '未发卡', valid: '有效', revoked: '已撤销' };

// GET /api/console/schools/:schoolId/classes/:classId/students
export const ListClassStudentsQuerySchema = PageQuerySchema.extend({
  status: z.enum(REVIEW_STATES, { error: '状态无效' }).optional(),
});
export const ClassStudentSchema = z.object({
  studentId: z.uuid(),
  /** 张* */
  nameMasked: z.string().nullable(),
  /** 3201**********2027 */
  residentIdMasked: z.string().nullable(),
  status: z.enum(REVIEW_STATES),
  statusLabel: z.string(),
  cardNumber: z.string().nullable(),
  cardState: z.enum(CARD_STATES),
  cardRevokedReason: z.string().nullable(),
  /** The latest version waiting for a reviewer (pending or disputed), to open it. */
  waitingVersionId: z.uuid().nullable(),
  submittedAt: z.string().nullable(),
  decidedAt: z.string().nullable(),
});
export type ClassStudent = z.infer<typeof ClassStudentSchema>;
export const ListClassStudentsResponseSchema = z.object({
  class: z.object({ id: z.uuid(), gradeLabel: z.string(), name: z.string() }),
  items: z.array(ClassStudentSchema),
  page: z.number().int(),
  pageSize: z.number().int(),
  total: z.number().int(),
});
export type ListClassStudentsResponse = z.infer<typeof ListClassStudentsResponseSchema>;

// GET /api/console/schools/:schoolId/activity?days=
export const ACTIVITY_DAYS = [7, 14, 30, 60] as const;
export const SchoolActivityQuerySchema = z.object({
  days: z.coerce
    .number({ error: '天数无效' })
    .int()
    .refine((v) => (ACTIVITY_DAYS as readonly number[]).includes(v), { message: '天数无效' })
    .default(30),
});
/** How long a person took to decide (from submission to approval or return). */
export const DECISION_TIME_BUCKETS = ['lt1h', 'lt1d', 'lt3d', 'lt7d', 'ge7d'] as const;
export const DECISION_TIME_LABELS: Readonly<Record<(typeof DECISION_TIME_BUCKETS)[number], string>> = {
  lt1h: '1 小时内',
  lt1d: '1 小时–1 天',
  lt3d: '1–3 天',
  lt7d: '3–7 天',
  ge7d: '7 天以上',
};
export const SchoolActivityResponseSchema = z.object({
  /** Every day of the window (Beijing time), oldest first, also days with nothing. */
  days: z.array(
    z.object({
      date: z.string(),
      submitted: z.number().int(),
      autoApproved: z.number().int(),
      approved: z.number().int(),
      returned: z.number().int(),
    }),
  ),
  /** Decisions by a person in the window, by time to decision. */
  decisionTime: z.array(z.object({ bucket: z.enum(DECISION_TIME_BUCKETS), label: z.string(), count: z.number().int() })),
  updatedAt: z.string().nullable(),
});
export type SchoolActivityResponse = z.infer<typeof SchoolActivityResponseSchema>;

// GET /api/console/stranded-reviews (operators): waiting reviews with no active reviewer, by school.
export const StrandedReviewsResponseSchema = z.object({
  items: z.array(
    z.object({
      schoolId: z.uuid(),
      schoolCode: z.string(),
      schoolName: z.string(),
      waiting: z.number().int(),
      oldestSince: z.string(),
      /** Active school administrators of the school (0: the school needs one). */
      activeAdmins: z.number().int(),
    }),
  ),
  total: z.number().int(),
});
export type StrandedReviewsResponse = z.infer<typeof StrandedReviewsResponseSchema>;
