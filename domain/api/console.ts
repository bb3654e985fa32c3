/**
 * The console API contract (school administrators and the card centre's
 * operators, the desktop web console in console/), shared by the server routes
 * and the console's pages. Every path is under /api/console; every list is
 * paged, filtered and sorted by the server.
 *
 * Sign-in is two steps: the password (POST /api/console/auth/login) answers a
 * challenge and sends an SMS code to the account's bound phone; the code (POST
 * /api/console/auth/verify) completes it and opens a console session, short
 * and idling out (CONSOLE_SESSION_IDLE_MINUTES, CONSOLE_SESSION_MAX_HOURS).
 * Console routes accept only console sessions.
 */
import { z } from 'zod';
import { passwordSchema } from '../account/credentials';
import { errorMessage } from '../errors';
import { GRADES } from '../profile/schemas';
import { ACCOUNT_ROLES, AccountViewSchema, smsCodeSchema } from './auth';
import { PageQuerySchema } from './profiles';

/** The roles the console is for. */
export const CONSOLE_ROLES = ['school_admin', 'operator'] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

// POST /api/console/auth/login — step 1: the password.
export const ConsoleLoginRequestSchema = z.strictObject({
  /** Username or mobile number (never a control character: NUL cannot even be looked up in PostgreSQL text). */
  login: z
    .string()
    .trim()
    .min(1, errorMessage('REQUIRED'))
    .max(64)
    .regex(/^[^\u0000-\u001f\u007f]*$/, '账号含有无效字符')
    // A lone surrogate is no character at all (and no valid UTF-8 for PostgreSQL).
    .refine((v) => !/[\ud800-\udfff]/.test(v.replace(/[\ud800-\udbff][\udc00-\udfff]/g, '')), '账号含有无效字符'),
  password: z.string().min(1, errorMessage('REQUIRED')).max(64),
  captchaId: z.string().max(64).optional(),
  captchaAnswer: z.string().trim().max(16).optional(),
});
export const ConsoleChallengeResponseSchema = z.object({
  /** Opaque id of the second step; valid `expiresIn` seconds. */
  challengeId: z.string(),
  /** Where the code went: 138****5678 */
  phoneMasked: z.string(),
  expiresIn: z.number().int(),
});
export type ConsoleChallengeResponse = z.infer<typeof ConsoleChallengeResponseSchema>;

// POST /api/console/auth/verify — step 2: the SMS code.
export const ConsoleVerifyRequestSchema = z.strictObject({
  challengeId: z.string().trim().min(16, errorMessage('CONSOLE_CHALLENGE_INVALID')).max(100, errorMessage('CONSOLE_CHALLENGE_INVALID')),
  smsCode: smsCodeSchema,
});

export const ConsoleSchoolSchema = z.object({ id: z.uuid(), code: z.string(), name: z.string() });

export const ConsoleSessionResponseSchema = z.object({
  /** Opaque bearer token: send as `Authorization: Bearer <token>`. */
  token: z.string(),
  /** The session ends at this time at the latest (absolute limit), earlier when idle. */
  expiresAt: z.string(),
  idleTimeoutSeconds: z.number().int(),
  account: AccountViewSchema,
  /** A first sign-in (a generated password): nothing but the password change is allowed until it is changed. */
  passwordChangeRequired: z.boolean(),
});
export type ConsoleSessionResponse = z.infer<typeof ConsoleSessionResponseSchema>;

// GET /api/console/me
export const ConsoleMeResponseSchema = z.object({
  account: AccountViewSchema,
  school: ConsoleSchoolSchema.nullable(),
  passwordChangeRequired: z.boolean(),
  idleTimeoutSeconds: z.number().int(),
  expiresAt: z.string(),
});
export type ConsoleMeResponse = z.infer<typeof ConsoleMeResponseSchema>;

// POST /api/console/auth/password
export const ConsolePasswordRequestSchema = z.strictObject({
  currentPassword: z.string().min(1, errorMessage('REQUIRED')).max(64),
  newPassword: passwordSchema,
});

// POST /api/console/auth/logout: no body.
export const ConsoleOkResponseSchema = z.object({ ok: z.literal(true) });

/** The semester's authentication funnel of a class, a grade, a school. */
export const FunnelCountsSchema = z.object({
  /** Students registered by their families in this class (any status). */
  registered: z.number().int(),
  /** Of those, submitted at least once. */
  submitted: z.number().int(),
  /** Approved by the registry match without a person. */
  autoApproved: z.number().int(),
  /** Waiting for the head teacher (or the school admin). */
  pendingReview: z.number().int(),
  /** Returned to the family for correction. */
  returned: z.number().int(),
  /** Approved (automatically or by a reviewer). */
  approved: z.number().int(),
  /** Approved before this semester, not yet reconfirmed. */
  reconfirmOutstanding: z.number().int(),
  /** When the longest-waiting review started waiting; null when none waits. */
  oldestPendingSince: z.string().nullable(),
});
export type FunnelCounts = z.infer<typeof FunnelCountsSchema>;

export const FUNNEL_LABELS: Readonly<Record<Exclude<keyof FunnelCounts, 'oldestPendingSince'>, string>> = {
  registered: '已注册',
  submitted: '已提交',
  autoApproved: '自动通过',
  pendingReview: '待审核',
  returned: '已退回',
  approved: '已认证',
  reconfirmOutstanding: '待重新确认',
};

export const SchoolIdParamsSchema = z.object({ schoolId: z.uuid({ error: errorMessage('NOT_FOUND') }) });
export const ClassIdParamsSchema = z.object({ schoolId: z.uuid({ error: errorMessage('NOT_FOUND') }), classId: z.uuid({ error: errorMessage('NOT_FOUND') }) });

// GET /api/console/schools/:schoolId/funnel
export const SchoolFunnelResponseSchema = z.object({
  school: ConsoleSchoolSchema,
  semester: z.object({ id: z.uuid(), name: z.string() }).nullable(),
  totals: FunnelCountsSchema,
  grades: z.array(z.object({ grade: z.enum(GRADES), gradeLabel: z.string(), classes: z.number().int(), counts: FunnelCountsSchema })),
  /** Classes without an active head teacher (their reviews come to the school admin). */
  orphanClasses: z.number().int(),
  /** When the aggregates were last brought up to date (a few seconds behind the decisions). */
  updatedAt: z.string().nullable(),
});
export type SchoolFunnelResponse = z.infer<typeof SchoolFunnelResponseSchema>;

export const CLASS_SORTS = ['grade', 'pendingReview', 'oldestPending', 'approvedRate'] as const;
export type ClassSort = (typeof CLASS_SORTS)[number];

// GET /api/console/schools/:schoolId/classes?grade=&headTeacher=&sort=&order=&page=&pageSize=
export const ListConsoleClassesQuerySchema = PageQuerySchema.extend({
  grade: z.enum(GRADES, { error: errorMessage('GRADE_INVALID') }).optional(),
  /** missing: classes without an active head teacher. */
  headTeacher: z.enum(['missing', 'assigned']).optional(),
  sort: z.enum(CLASS_SORTS).default('grade'),
  order: z.enum(['asc', 'desc']).default('asc'),
});
export type ListConsoleClassesQuery = z.infer<typeof ListConsoleClassesQuerySchema>;

export const ConsoleTeacherSchema = z.object({
  id: z.uuid(),
  displayName: z.string().nullable(),
  username: z.string().nullable(),
  status: z.enum(['active', 'pending_activation', 'disabled']),
  phoneMasked: z.string().nullable(),
});
export type ConsoleTeacher = z.infer<typeof ConsoleTeacherSchema>;

export const ConsoleClassSchema = z.object({
  id: z.uuid(),
  grade: z.enum(GRADES),
  gradeLabel: z.string(),
  name: z.string(),
  headTeacher: ConsoleTeacherSchema.nullable(),
  /** No head teacher, or one whose account is not active: the class's reviews go to the school admin. */
  needsHeadTeacher: z.boolean(),
  counts: FunnelCountsSchema,
});
export type ConsoleClass = z.infer<typeof ConsoleClassSchema>;

export const ListConsoleClassesResponseSchema = z.object({
  items: z.array(ConsoleClassSchema),
  page: z.number().int(),
  pageSize: z.number().int(),
  total: z.number().int(),
});
export type ListConsoleClassesResponse = z.infer<typeof ListConsoleClassesResponseSchema>;

// GET /api/console/schools/:schoolId/teachers?q=&page=&pageSize=
export const ListConsoleTeachersQuerySchema = PageQuerySchema.extend({
  q: z
    .string()
    .trim()
    .max(20)
    .regex(/^[^\u0000-\u001f\u007f%_\\]*$/, '搜索内容含有无效字符')
    .optional(),
  status: z.enum(['active', 'pending_activation', 'disabled']).optional(),
});
export const ListConsoleTeachersResponseSchema = z.object({
  items: z.array(ConsoleTeacherSchema),
  page: z.number().int(),
  pageSize: z.number().int(),
  total: z.number().int(),
});
export type ListConsoleTeachersResponse = z.infer<typeof ListConsoleTeachersResponseSchema>;

// PUT /api/console/schools/:schoolId/classes/:classId/head-teacher
export const AssignHeadTeacherRequestSchema = z.strictObject({ teacherId: z.uuid({ error: errorMessage('TEACHER_INVALID') }) });
export const AssignHeadTeacherResponseSchema = z.object({
  class: ConsoleClassSchema,
  /** Waiting reviews of the class now assigned to the new head teacher. */
  movedReviews: z.number().int(),
});
export type AssignHeadTeacherResponse = z.infer<typeof AssignHeadTeacherResponseSchema>;

// GET /api/console/schools?q=&page=&pageSize= (operator: every school; school admin: their own)
export const ListConsoleSchoolsQuerySchema = PageQuerySchema.extend({
  q: z
    .string()
    .trim()
    .max(50)
    .regex(/^[^\u0000-\u001f\u007f%_\\]*$/, '搜索内容含有无效字符')
    .optional(),
  sort: z.enum(['name', 'pendingReview', 'registered']).default('name'),
  order: z.enum(['asc', 'desc']).default('asc'),
});
export const ConsoleSchoolRowSchema = ConsoleSchoolSchema.extend({ counts: FunnelCountsSchema, classes: z.number().int(), orphanClasses: z.number().int() });
export const ListConsoleSchoolsResponseSchema = z.object({
  items: z.array(ConsoleSchoolRowSchema),
  page: z.number().int(),
  pageSize: z.number().int(),
  total: z.number().int(),
});
export type ListConsoleSchoolsResponse = z.infer<typeof ListConsoleSchoolsResponseSchema>;

export const isConsoleRole = (role: (typeof ACCOUNT_ROLES)[number]): role is ConsoleRole => (CONSOLE_ROLES as readonly string[]).includes(role);
