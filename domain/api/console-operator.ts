/**
 * The console API of the card centre's operators (paths under
 * /api/console/support, /api/console/audit, /api/console/overview …), shared
 * by the server routes and the console's pages.
 *
 * The support look-up answers the hotline: it finds a family by one
 * identifier (phone, resident ID, card number, username or order number) by
 * blind index or unique column, never by decrypting a table; everything it
 * shows is masked, and a full value is revealed one field at a time with a
 * reason, into the audit log.
 */
import { z } from 'zod';
import { ACCOUNT_ROLES, RECOVERY_STATUSES } from './auth';
import { ORDER_STATUSES } from './comm-card';
import { CardActionRequestSchema, ECARD_STATUSES } from './ecard';
import { PageQuerySchema } from './profiles';
import { FunnelCountsSchema } from './console';
import { usernameSchema } from '../account/credentials';
import { phoneSchema } from '../contact/phone';

const isoInstant = z.string().describe('ISO 8601 instant (UTC)');

// GET /api/console/support/search?kind=&q=
export const SUPPORT_SEARCH_KINDS = ['phone', 'residentId', 'cardNumber', 'username', 'order'] as const;
export type SupportSearchKind = (typeof SUPPORT_SEARCH_KINDS)[number];
export const SUPPORT_SEARCH_KIND_LABELS: Readonly<Record<SupportSearchKind, string>> = {
  phone: '手机号',
  residentId: '身份证号',
  cardNumber: '教育卡号',
  username: '用户名',
  order: '订单号',
};

export const SupportSearchQuerySchema = z.object({
  kind: z.enum(SUPPORT_SEARCH_KINDS, { error: '请选择查询方式' }),
  q: z
    .string({ error: '请输入要查询的内容' })
    .trim()
    .min(1, { error: '请输入要查询的内容' })
    .max(64, { error: '查询内容过长' }),
});
export type SupportSearchQuery = z.infer<typeof SupportSearchQuerySchema>;

export const SupportStudentSchema = z.object({
  id: z.uuid(),
  nameMasked: z.string().nullable(),
  residentIdMasked: z.string().nullable(),
  schoolName: z.string().nullable(),
  classLabel: z.string().nullable(),
  status: z.string(),
  statusLabel: z.string(),
  cardNumber: z.string().nullable(),
  cardStatus: z.enum(ECARD_STATUSES),
  cardRevokedReason: z.string().nullable(),
});
export type SupportStudent = z.infer<typeof SupportStudentSchema>;

export const SupportAccountSchema = z.object({
  id: z.uuid(),
  role: z.enum(ACCOUNT_ROLES),
  usernameMasked: z.string().nullable(),
  displayName: z.string().nullable(),
  phoneMasked: z.string().nullable(),
  /** cancelled: the family asked to cancel the account (注销) and its data is erased after the cool-off. */
  status: z.enum(['active', 'pending_activation', 'disabled', 'cancelled']),
  /** Locked by failed sign-ins (the account's lock or its counters' delay). */
  locked: z.boolean(),
  failedLoginCount: z.number().int(),
  createdAt: isoInstant,
});

export const SupportFamilySummarySchema = z.object({
  account: SupportAccountSchema,
  students: z.array(SupportStudentSchema),
  /** Why this family matched (e.g. 账号手机号, 学生身份证号, 通讯卡号码). */
  matchedBy: z.string(),
});
export type SupportFamilySummary = z.infer<typeof SupportFamilySummarySchema>;

export const SupportSearchResponseSchema = z.object({ items: z.array(SupportFamilySummarySchema) });
export type SupportSearchResponse = z.infer<typeof SupportSearchResponseSchema>;

// GET /api/console/support/families/:accountId
export const AccountIdParamsSchema = z.object({ accountId: z.uuid({ error: '请求的内容不存在' }) });

export const SupportOrderSchema = z.object({
  outTradeNo: z.string(),
  studentId: z.uuid(),
  description: z.string(),
  amountFen: z.number().int(),
  status: z.enum(ORDER_STATUSES),
  statusLabel: z.string(),
  flaggedReason: z.string().nullable(),
  createdAt: isoInstant,
  paidAt: isoInstant.nullable(),
  shippedAt: isoInstant.nullable(),
  shippingCarrier: z.string().nullable(),
  shippingTrackingNo: z.string().nullable(),
  shippingUploadedAt: isoInstant.nullable(),
});
export type SupportOrder = z.infer<typeof SupportOrderSchema>;

export const SupportRecoverySchema = z.object({
  id: z.uuid(),
  status: z.enum(RECOVERY_STATUSES),
  statusLabel: z.string(),
  newPhoneMasked: z.string(),
  note: z.string(),
  createdAt: isoInstant,
});

export const SupportFamilyDetailSchema = SupportFamilySummarySchema.omit({ matchedBy: true }).extend({
  orders: z.array(SupportOrderSchema),
  recoveryRequests: z.array(SupportRecoverySchema),
});
export type SupportFamilyDetail = z.infer<typeof SupportFamilyDetailSchema>;

// POST /api/console/support/reveal
export const REVEAL_FIELDS = ['studentResidentId', 'studentName', 'accountPhone'] as const;
export type RevealField = (typeof REVEAL_FIELDS)[number];
export const REVEAL_FIELD_LABELS: Readonly<Record<RevealField, string>> = {
  studentResidentId: '学生身份证号',
  studentName: '学生姓名',
  accountPhone: '账号手机号',
};

export const SupportRevealRequestSchema = z.strictObject({
  field: z.enum(REVEAL_FIELDS, { error: '请选择要查看的信息' }),
  /** The student (studentResidentId, studentName) or the account (accountPhone). */
  subjectId: z.uuid({ error: '请求的内容不存在' }),
  reason: CardActionRequestSchema.shape.reason,
});
export type SupportRevealRequest = z.output<typeof SupportRevealRequestSchema>;
export const SupportRevealResponseSchema = z.object({ field: z.enum(REVEAL_FIELDS), value: z.string(), auditId: z.number().int() });
export type SupportRevealResponse = z.infer<typeof SupportRevealResponseSchema>;

// POST /api/console/support/accounts/:accountId/unlock
export const SupportActionRequestSchema = z.strictObject({ reason: CardActionRequestSchema.shape.reason });
export const SupportUnlockResponseSchema = z.object({ ok: z.literal(true), account: SupportAccountSchema });

// POST /api/console/support/orders/:outTradeNo/refund
export const OutTradeNoParamsSchema = z.object({ outTradeNo: z.string().regex(/^[A-Za-z0-9_-]{6,40}$/, { error: '订单不存在' }) });
export const SupportRefundResponseSchema = z.object({ order: SupportOrderSchema, refundStatus: z.string() });

// GET /api/console/audit
export const AuditQuerySchema = PageQuerySchema.extend({
  actorId: z.uuid({ error: '操作人编号格式不正确' }).optional(),
  action: z
    .string()
    .trim()
    .regex(/^[a-z_]+(\.[a-z_]+)*\.?$/, { error: '操作类型格式不正确' })
    .max(64)
    .optional(),
  subjectType: z.string().trim().regex(/^[a-z_]{1,32}$/, { error: '对象类型格式不正确' }).optional(),
  subjectId: z.string().trim().min(1).max(64).optional(),
  from: z.iso.datetime({ offset: true, error: '开始时间格式不正确' }).optional(),
  to: z.iso.datetime({ offset: true, error: '结束时间格式不正确' }).optional(),
});
export type AuditQuery = z.infer<typeof AuditQuerySchema>;

export const AuditEntrySchema = z.object({
  id: z.number().int(),
  at: isoInstant,
  actorId: z.string().nullable(),
  actorRole: z.string().nullable(),
  actorName: z.string().nullable(),
  action: z.string(),
  subjectType: z.string().nullable(),
  subjectId: z.string().nullable(),
  ip: z.string().nullable(),
  success: z.boolean(),
  detail: z.unknown(),
  /** Position in the hash chain; null while the chain writer has not reached it (a few seconds). */
  chainSeq: z.number().int().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;
export const AuditListResponseSchema = z.object({ items: z.array(AuditEntrySchema), page: z.number().int(), pageSize: z.number().int(), hasMore: z.boolean() });
export type AuditListResponse = z.infer<typeof AuditListResponseSchema>;

// GET /api/console/overview?cityCode=&districtCode=
export const OverviewQuerySchema = z.object({
  cityCode: z.string().regex(/^\d{6}$/, { error: '城市代码应为 6 位数字' }).optional(),
  districtCode: z.string().regex(/^\d{6}$/, { error: '区县代码应为 6 位数字' }).optional(),
});
export type OverviewQuery = z.infer<typeof OverviewQuerySchema>;
export const OverviewRowSchema = z.object({
  /** City or district code; a school's id at the school level; null for schools without a region. */
  key: z.string().nullable(),
  label: z.string(),
  schools: z.number().int(),
  counts: FunnelCountsSchema,
});
export type OverviewRow = z.infer<typeof OverviewRowSchema>;
export const OverviewResponseSchema = z.object({
  level: z.enum(['province', 'city', 'district']),
  /** What the rows are: cities of the province, districts of a city, schools of a district. */
  rowsAre: z.enum(['city', 'district', 'school']),
  title: z.string(),
  totals: FunnelCountsSchema,
  schools: z.number().int(),
  rows: z.array(OverviewRowSchema),
  updatedAt: isoInstant.nullable(),
});
export type OverviewResponse = z.infer<typeof OverviewResponseSchema>;

// PUT /api/console/schools/:schoolId/region
export const SchoolRegionRequestSchema = z.strictObject({
  cityCode: z.string().regex(/^\d{6}$/, { error: '城市代码应为 6 位数字' }),
  cityName: z.string().trim().min(2, { error: '请填写城市名称' }).max(20, { error: '城市名称过长' }),
  districtCode: z.string().regex(/^\d{6}$/, { error: '区县代码应为 6 位数字' }),
  districtName: z.string().trim().min(2, { error: '请填写区县名称' }).max(20, { error: '区县名称过长' }),
});
export const SchoolRegionResponseSchema = SchoolRegionRequestSchema.extend({ schoolId: z.uuid() });

// POST /api/console/docs-session
export const DocsSessionResponseSchema = z.object({ ok: z.literal(true), expiresIn: z.number().int(), paths: z.array(z.string()) });

// Staff accounts of the console: school admins (per school) and operators, created by an operator.
export const STAFF_ROLES = ['school_admin', 'operator'] as const;
export const StaffListQuerySchema = PageQuerySchema.extend({
  role: z.enum(STAFF_ROLES, { error: '请选择账号类型' }).default('school_admin'),
  schoolId: z.uuid({ error: '学校编号格式不正确' }).optional(),
});
export type StaffListQuery = z.infer<typeof StaffListQuerySchema>;
export const StaffAccountSchema = z.object({
  id: z.uuid(),
  role: z.enum(STAFF_ROLES),
  username: z.string().nullable(),
  displayName: z.string().nullable(),
  phoneMasked: z.string().nullable(),
  status: z.enum(['active', 'pending_activation', 'disabled']),
  passwordChangeRequired: z.boolean(),
  school: z.object({ id: z.uuid(), name: z.string() }).nullable(),
  createdAt: isoInstant,
});
export type StaffAccount = z.infer<typeof StaffAccountSchema>;
export const StaffListResponseSchema = z.object({ items: z.array(StaffAccountSchema), page: z.number().int(), pageSize: z.number().int(), total: z.number().int() });
export type StaffListResponse = z.infer<typeof StaffListResponseSchema>;

export const CreateStaffRequestSchema = z.strictObject({
  role: z.enum(STAFF_ROLES, { error: '请选择账号类型' }),
  /** Required for a school admin. */
  schoolId: z.uuid({ error: '请选择学校' }).optional(),
  username: usernameSchema,
  displayName: z.string().trim().min(2, { error: '请填写姓名' }).max(30, { error: '姓名过长' }),
  phone: phoneSchema,
});
export type CreateStaffRequest = z.output<typeof CreateStaffRequestSchema>;
/** The generated password is shown once, to be handed over in person or read out; it must be changed at the first sign-in. */
export const StaffPasswordResponseSchema = z.object({ account: StaffAccountSchema, oneTimePassword: z.string() });
export const StaffStatusRequestSchema = z.strictObject({ status: z.enum(['active', 'disabled'], { error: '请选择状态' }), reason: CardActionRequestSchema.shape.reason });
export const StaffAccountResponseSchema = z.object({ account: StaffAccountSchema });

// POST /api/console/orders/:outTradeNo/shipping: the communication card sent (uploaded to WeChat's 发货信息管理 through the outbox)
/** WeChat's 物流公司编码 of the carriers the centre ships with. */
export const EXPRESS_COMPANY_CODES = ['SF', 'YTO', 'ZTO', 'STO', 'YD', 'JTSD', 'EMS', 'JD'] as const;
export type ExpressCompany = (typeof EXPRESS_COMPANY_CODES)[number];
export const EXPRESS_COMPANY_LABELS: Readonly<Record<ExpressCompany, string>> = {
  SF: '顺丰速运',
  YTO: '圆通速递',
  ZTO: '中通快递',
  STO: '申通快递',
  YD: '韵达速递',
  JTSD: '极兔速递',
  EMS: '中国邮政 EMS',
  JD: '京东物流',
};
export const ShipOrderRequestSchema = z.strictObject({
  carrier: z.enum(EXPRESS_COMPANY_CODES, { error: '请选择快递公司' }),
  trackingNo: z
    .string({ error: '请填写快递单号' })
    .trim()
    .regex(/^[A-Za-z0-9-]{6,40}$/, { error: '快递单号应为 6–40 位字母或数字' }),
});
export const ShipOrderResponseSchema = z.object({ order: SupportOrderSchema });
