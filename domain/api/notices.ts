/**
 * The 公告作业 (class notices and homework) API contract, shared by the server
 * routes and the mini-program pages (families: 公告作业 list and detail;
 * teachers: 发布通知 and 通知回执).
 *
 *   GET  /api/notices/classes           teacher / school_admin: classes they may publish to
 *   POST /api/notices                   teacher / school_admin → 201 NoticeCreated
 *   GET  /api/notices/sent?page=        teacher / school_admin: their notices, with counts
 *   GET  /api/notices/mine?studentId=&page=   family: notices of the classes of their students holding a valid card, one item per notice
 *   GET  /api/notices/:id               family: NoticeDetail (marks it read); author / school admin: with counts
 *   POST /api/notices/:id/confirm       family, when requiresConfirmation
 *   GET  /api/notices/:id/receipts?page=      author / school admin: read / confirmed / unread
 *   POST /api/notices/:id/remind        author: message the unread (once per hour per notice; 429 + Retry-After)
 *   PATCH /api/notices/:id              author, within NOTICE_EDIT_WINDOW_HOURS: edit title, body, due date, confirmation
 *   POST /api/notices/:id/withdraw      author, within the same window: families no longer see it
 *   POST /api/notices/:id/attachments?fileName=   author, within the window: an image or PDF (raw body)
 *   GET  /api/notices/:id/attachments/:attachmentId   recipients, author, school admin: the file
 *
 * Who may publish where: a teacher to the classes they teach (teacher_classes)
 * or are head teacher of; a school administrator to any class of their school;
 * anything else is 403 FORBIDDEN. Bodies are plain text: pages show them as
 * text (line breaks kept), never as HTML. Names in receipts are masked.
 */
import { z } from 'zod';
import { errorMessage } from '../errors';
import { GRADES } from '../profile/schemas';
import { codePointLength } from '../text/normalize';
import { freeTextSchema } from '../validation/field-schema';
import { isRealCalendarDate } from '../time/calendar-date';

export const NOTICE_TYPES = ['通知', '作业'] as const;
export type NoticeType = (typeof NOTICE_TYPES)[number];

export const MAX_NOTICE_TITLE_LENGTH = 40;
export const MAX_NOTICE_BODY_LENGTH = 2000;
export const MAX_NOTICE_CLASSES = 50;
export const NOTICE_PAGE_SIZE = 20;
export const MAX_NOTICE_PAGE_SIZE = 50;
export const MAX_RECEIPTS_PAGE_SIZE = 200;
/**
 * A notice is still live — a family whose student gets a valid card later
 * (approved, or moved into the class) receives it too — until its due date
 * has passed (China calendar), or for this many days after publishing when it has none.
 */
export const NOTICE_LIVE_DAYS = 30;

/**
 * After the free-text rule (freeTextSchema: zero-width stripped, bidirectional
 * controls refused), control characters other than line breaks and tabs are
 * dropped; \r\n becomes \n.
 */
function cleanText(value: string): string {
  return value
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
}

export const NoticeTitleSchema = freeTextSchema('请填写标题')
  .transform((v) => cleanText(v).replace(/\s+/g, ' ').trim())
  .refine((v) => v.length > 0, '请填写标题')
  .refine((v) => codePointLength(v) <= MAX_NOTICE_TITLE_LENGTH, `标题不能超过 ${MAX_NOTICE_TITLE_LENGTH} 个字`);

export const NoticeBodySchema = freeTextSchema('请填写内容')
  .transform((v) => cleanText(v).trim())
  .refine((v) => v.length > 0, '请填写内容')
  .refine((v) => codePointLength(v) <= MAX_NOTICE_BODY_LENGTH, `内容不能超过 ${MAX_NOTICE_BODY_LENGTH} 个字`);

export const DueDateSchema = z
  .string({ error: '截止日期格式应为 YYYY-MM-DD' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, '截止日期格式应为 YYYY-MM-DD')
  .refine((v) => {
    const [year, month, day] = v.split('-').map(Number);
    return isRealCalendarDate({ year: year!, month: month!, day: day! });
  }, '截止日期不是有效的日期');

// POST /api/notices
export const CreateNoticeRequestSchema = z.strictObject({
  type: z.enum(NOTICE_TYPES, { error: '请选择类型（通知或作业）' }),
  title: NoticeTitleSchema,
  body: NoticeBodySchema,
  classIds: z
    .array(z.uuid({ error: errorMessage('CLASS_INVALID') }), { error: '请选择班级' })
    .min(1, '请至少选择一个班级')
    .max(MAX_NOTICE_CLASSES, `一次最多发布到 ${MAX_NOTICE_CLASSES} 个班级`)
    .transform((ids) => [...new Set(ids)]),
  /** Homework: the day it is due (China calendar date). */
  dueDate: DueDateSchema.nullish().transform((v) => v ?? null),
  /** 家长需确认: families get a 确认 button and the receipts list who confirmed. */
  requiresConfirmation: z.boolean({ error: '请选择是否需要家长确认' }).default(false),
});
export type CreateNoticeRequest = z.output<typeof CreateNoticeRequestSchema>;

export const NoticeIdParamsSchema = z.object({ id: z.uuid({ error: errorMessage('NOT_FOUND') }) });

export const NoticeCreatedSchema = z.object({ id: z.uuid(), createdAt: z.string() });

export const NoticeClassSchema = z.object({ id: z.uuid(), grade: z.enum(GRADES), gradeLabel: z.string(), name: z.string() });
export const PublishableClassesResponseSchema = z.object({ classes: z.array(NoticeClassSchema) });

const noticeBase = {
  id: z.uuid(),
  type: z.enum(NOTICE_TYPES),
  title: z.string(),
  dueDate: z.string().nullable(),
  requiresConfirmation: z.boolean(),
  createdAt: z.string(),
  /** e.g. 王老师 */
  authorName: z.string(),
  /** e.g. 四年级3班 */
  classNames: z.array(z.string()),
  /** The author's last edit, when edited (families read the edited text). */
  editedAt: z.string().nullable(),
  /** Withdrawn by the author: families no longer see it; the author's list says 已撤回. */
  withdrawnAt: z.string().nullable(),
};

/** Images and documents of a notice, at most this many. */
export const MAX_NOTICE_ATTACHMENTS = 9;

export const NoticeAttachmentSchema = z.object({
  id: z.uuid(),
  fileName: z.string(),
  contentType: z.enum(['image/jpeg', 'image/png', 'application/pdf']),
  size: z.number().int(),
});
export type NoticeAttachment = z.infer<typeof NoticeAttachmentSchema>;
export const NoticeAttachmentParamsSchema = z.object({
  id: z.uuid({ error: errorMessage('NOT_FOUND') }),
  attachmentId: z.uuid({ error: errorMessage('NOT_FOUND') }),
});

// PATCH /api/notices/:id: what the author may change after publishing (the classes and the type stay).
export const UpdateNoticeRequestSchema = z
  .strictObject({
    title: NoticeTitleSchema.optional(),
    body: NoticeBodySchema.optional(),
    dueDate: DueDateSchema.nullish(),
    requiresConfirmation: z.boolean({ error: '请选择是否需要家长确认' }).optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), '请修改至少一项内容');
export type UpdateNoticeRequest = z.output<typeof UpdateNoticeRequestSchema>;
export const NoticeChangedSchema = z.object({ id: z.uuid(), editedAt: z.string().nullable(), withdrawnAt: z.string().nullable() });

/**
 * Receipts of one notice, over its recipients who hold a valid card. The three
 * lists are disjoint and add up: total = confirmed + read + unread; `read` is
 * the 已读 list (opened, not confirmed), `opened` = read + confirmed (已读 x/total).
 */
export const ReceiptCountsSchema = z.object({
  /** 应读 */
  total: z.number().int(),
  /** Opened, not confirmed: the 已读 tab. */
  read: z.number().int(),
  confirmed: z.number().int(),
  unread: z.number().int(),
  /** Opened at all (read + confirmed). */
  opened: z.number().int(),
});
export type ReceiptCounts = z.infer<typeof ReceiptCountsSchema>;

// GET /api/notices/mine
export const MyNoticesQuerySchema = z.object({
  studentId: z.uuid({ error: errorMessage('NOT_FOUND') }).optional(),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(MAX_NOTICE_PAGE_SIZE).default(NOTICE_PAGE_SIZE),
});

/**
 * One notice for the family, once however many of its children it concerns
 * (`students`: those children, masked). readAt / confirmedAt are set once it
 * was opened / confirmed for every one of them (a child approved later adds an unread row).
 */
export const MyNoticeItemSchema = z.object({
  ...noticeBase,
  students: z.array(z.object({ studentId: z.uuid(), studentNameMasked: z.string() })),
  readAt: z.string().nullable(),
  confirmedAt: z.string().nullable(),
});

export const MyNoticesResponseSchema = z.object({
  items: z.array(MyNoticeItemSchema),
  page: z.number().int(),
  pageSize: z.number().int(),
  total: z.number().int(),
});

// GET /api/notices/:id
export const NoticeDetailSchema = z.object({
  ...noticeBase,
  /** Plain text with line breaks: show as text, never as HTML. */
  body: z.string(),
  /** family | author (author or school administrator: counts shown, receipts link) */
  viewer: z.enum(['family', 'author']),
  /** Family: their children this notice concerns, with their read / confirm state. */
  students: z.array(z.object({ studentId: z.uuid(), studentNameMasked: z.string(), readAt: z.string().nullable(), confirmedAt: z.string().nullable() })),
  /** Family: show a 确认 button. */
  canConfirm: z.boolean(),
  /** Author view only. */
  counts: ReceiptCountsSchema.nullable(),
  attachments: z.array(NoticeAttachmentSchema),
  /** Author view: until when it can be edited or withdrawn (null once that is over, or when withdrawn). */
  editableUntil: z.string().nullable(),
});
export type NoticeDetail = z.infer<typeof NoticeDetailSchema>;

export const ConfirmNoticeResponseSchema = z.object({ confirmedAt: z.string() });

// GET /api/notices/sent
export const SentNoticesQuerySchema = z.object({
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(MAX_NOTICE_PAGE_SIZE).default(NOTICE_PAGE_SIZE),
});
export const SentNoticeItemSchema = z.object({ ...noticeBase, counts: ReceiptCountsSchema, lastRemindedAt: z.string().nullable() });
export const SentNoticesResponseSchema = z.object({
  items: z.array(SentNoticeItemSchema),
  page: z.number().int(),
  pageSize: z.number().int(),
  total: z.number().int(),
});

// GET /api/notices/:id/receipts
export const ReceiptsQuerySchema = z.object({
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(MAX_RECEIPTS_PAGE_SIZE).default(MAX_RECEIPTS_PAGE_SIZE),
});
export const ReceiptItemSchema = z.object({
  studentId: z.uuid(),
  /** 张* */
  studentNameMasked: z.string(),
  className: z.string().nullable(),
  /** The family account's display name, masked (李**); null when it has none. */
  guardianNameMasked: z.string().nullable(),
  readAt: z.string().nullable(),
  confirmedAt: z.string().nullable(),
});
export const ReceiptsResponseSchema = z.object({
  counts: ReceiptCountsSchema,
  /** Opened, not (or not required to be) confirmed. */
  read: z.array(ReceiptItemSchema),
  confirmed: z.array(ReceiptItemSchema),
  unread: z.array(ReceiptItemSchema),
  page: z.number().int(),
  pageSize: z.number().int(),
  /** False until the fan-out has reached every recipient (lists may still grow). */
  complete: z.boolean(),
  lastRemindedAt: z.string().nullable(),
  /** When the author may remind again (null: now). */
  nextRemindAt: z.string().nullable(),
});

// POST /api/notices/:id/remind
export const RemindResponseSchema = z.object({ reminderId: z.number().int(), unread: z.number().int(), nextRemindAt: z.string() });
