/**
 * The accounts and sign-in API contract: request and response schemas shared
 * by the server routes and the mini-program pages. Paths are listed beside each
 * schema; the server's route table is the source of truth for methods and
 * access, and /api/openapi.json documents both.
 */
import { z } from 'zod';
import { passwordSchema, usernameSchema } from '../account/credentials';
import { phoneSchema } from '../contact/phone';
import { errorMessage } from '../errors';
import { ACCOUNT_ROLES, FAMILY_ROLES, SessionResponseSchema } from './account';

// The account's roles and its client view live in ./account (no password rules: the mini-program's tab pages use them).
export * from './account';

/** What an SMS code may be used for; a code is valid only for its purpose and phone. */
export const SMS_PURPOSES = ['register', 'reset_password', 'find_username', 'activate_teacher', 'bind_phone', 'change_phone', 'recovery', 'cancel_account'] as const;
export type SmsPurpose = (typeof SMS_PURPOSES)[number];

export const SMS_CODE_LENGTH = 6;
export const SMS_CODE_TTL_SECONDS = 300;
export const SMS_CODE_MAX_ATTEMPTS = 5;
export const SMS_RESEND_SECONDS = 60;

/**
 * Failed sign-ins, counted per account: from LOGIN_CAPTCHA_AFTER on a captcha is
 * required; from LOGIN_DELAY_AFTER on each failure starts a delay that doubles
 * (LOGIN_DELAY_BASE_SECONDS, at most LOGIN_DELAY_MAX_SECONDS). Failures are
 * forgotten LOGIN_FAILURE_WINDOW_HOURS after the last one.
 */
export const LOGIN_CAPTCHA_AFTER = 3;
export const LOGIN_DELAY_AFTER = 5;
export const LOGIN_DELAY_BASE_SECONDS = 60;
export const LOGIN_DELAY_MAX_SECONDS = 3600;
export const LOGIN_FAILURE_WINDOW_HOURS = 24;

/** The delay (seconds) that the `failures`-th failure starts; 0 before LOGIN_DELAY_AFTER. */
export function loginDelaySeconds(
  failures: number,
  t: { delayAfter: number; baseSeconds: number; maxSeconds: number } = {
    delayAfter: LOGIN_DELAY_AFTER,
    baseSeconds: LOGIN_DELAY_BASE_SECONDS,
    maxSeconds: LOGIN_DELAY_MAX_SECONDS,
  },
): number {
  if (failures < t.delayAfter) return 0;
  return Math.min(t.maxSeconds, t.baseSeconds * 2 ** Math.min(30, failures - t.delayAfter));
}
export const SESSION_TTL_DAYS = 7;

/** Versions of the texts a family agrees to at registration (recorded with the time). */
export const PRIVACY_POLICY_VERSION = '2026-09-01';
export const CHILDREN_RULES_VERSION = '2026-09-01';

export const smsCodeSchema = z
  .string({ error: errorMessage('SMS_CODE_FORMAT') })
  .trim()
  .regex(/^\d{6}$/, errorMessage('SMS_CODE_FORMAT'));

/** A client channel, recorded with each session. */
export const ChannelSchema = z.enum(['weapp', 'h5']);

// POST /api/auth/sms-codes
export const SendSmsCodeRequestSchema = z.strictObject({
  phone: phoneSchema,
  purpose: z.enum(SMS_PURPOSES),
});
export const SendSmsCodeResponseSchema = z.object({
  /** Seconds the code stays valid. */
  expiresIn: z.number().int(),
  /** Seconds before another code may be requested for this phone. */
  resendIn: z.number().int(),
});

// GET /api/auth/captcha
export const CaptchaResponseSchema = z.object({
  captchaId: z.string(),
  /** A PNG raster image as a data URL (data:image/png;base64,…), shown with <Image>. */
  image: z.string(),
  expiresIn: z.number().int(),
});

export const AgreementSchema = z.strictObject({
  privacyPolicyVersion: z.literal(PRIVACY_POLICY_VERSION, { error: errorMessage('AGREEMENT_REQUIRED') }),
  childrenRulesVersion: z.literal(CHILDREN_RULES_VERSION, { error: errorMessage('AGREEMENT_REQUIRED') }),
  agreed: z.literal(true, { error: errorMessage('AGREEMENT_REQUIRED') }),
});

// POST /api/auth/register — either an SMS code, or a phone ticket from the WeChat phone button (weapp).
export const RegisterRequestSchema = z
  .strictObject({
    identity: z.enum(FAMILY_ROLES),
    phone: phoneSchema,
    smsCode: smsCodeSchema.optional(),
    phoneTicket: z.string().min(16).max(200).optional(),
    /** From POST /api/auth/wechat/login when the WeChat user has no account yet: binds the openid. */
    wechatTicket: z.string().min(16).max(200).optional(),
    username: usernameSchema,
    password: passwordSchema,
    agreement: AgreementSchema,
    channel: ChannelSchema.default('h5'),
  })
  .superRefine((body, ctx) => {
    if (!body.smsCode && !body.phoneTicket) {
      ctx.addIssue({ code: 'custom', path: ['smsCode'], message: errorMessage('SMS_CODE_FORMAT') });
    }
  });


// POST /api/auth/login
export const LoginRequestSchema = z.strictObject({
  /** Username or mobile number. */
  login: z.string().trim().min(1, errorMessage('REQUIRED')).max(64),
  password: z.string().min(1, errorMessage('REQUIRED')).max(64),
  captchaId: z.string().max(64).optional(),
  captchaAnswer: z.string().trim().max(16).optional(),
  channel: ChannelSchema.default('h5'),
});

// POST /api/auth/wechat/login (weapp): wx.login code → session, or a ticket to bind at registration.
export const WechatLoginRequestSchema = z.strictObject({ code: z.string().min(1).max(128) });
export const WechatLoginResponseSchema = z.union([
  SessionResponseSchema.extend({ bound: z.literal(true) }),
  z.object({ bound: z.literal(false), wechatTicket: z.string(), expiresIn: z.number().int() }),
]);

// POST /api/auth/wechat/phone (weapp): getPhoneNumber code → a ticket proving the phone, instead of an SMS code.
export const WechatPhoneRequestSchema = z.strictObject({ code: z.string().min(1).max(128) });
export const WechatPhoneResponseSchema = z.object({
  phoneTicket: z.string(),
  /** The caller's own number as WeChat verified it, to fill the form (never another person's). */
  phone: z.string(),
  phoneMasked: z.string(),
  expiresIn: z.number().int(),
});

// POST /api/me/password
export const ChangePasswordRequestSchema = z.strictObject({
  currentPassword: z.string().min(1, errorMessage('REQUIRED')).max(64),
  newPassword: passwordSchema,
});

// POST /api/auth/password-reset/sms
export const ResetPasswordBySmsRequestSchema = z.strictObject({
  phone: phoneSchema,
  smsCode: smsCodeSchema,
  /** Needed when several accounts share the phone. */
  username: z.string().trim().max(20).optional(),
  newPassword: passwordSchema,
});

// POST /api/auth/recovery-requests (人工找回): the phone is lost; a person checks the request.
export const RecoveryRequestSchema = z.strictObject({
  /** The username of the account to recover (the only account identifier besides the phone). */
  username: z.string().trim().min(1, errorMessage('REQUIRED')).max(20),
  /** The new phone, proven by an SMS code of purpose `recovery`: the reviewer calls it, the account gets it. */
  newPhone: phoneSchema,
  smsCode: smsCodeSchema,
  /** What the reviewer should know (who is asking, why the phone is lost). */
  note: z.string().trim().min(4, errorMessage('RECOVERY_NOTE_LENGTH')).max(200, errorMessage('RECOVERY_NOTE_LENGTH')),
  captchaId: z.string().max(64),
  captchaAnswer: z.string().trim().max(16),
});
export const RecoveryFiledResponseSchema = z.object({
  ok: z.literal(true),
  /** Hours an approved request waits before it can take effect. */
  waitHours: z.number().int(),
});

// POST /api/auth/recovery-requests/complete: after approval and the waiting period.
export const RecoveryCompleteRequestSchema = z.strictObject({
  username: z.string().trim().min(1, errorMessage('REQUIRED')).max(20),
  newPhone: phoneSchema,
  smsCode: smsCodeSchema,
  newPassword: passwordSchema,
});

export const RECOVERY_STATUSES = ['pending', 'approved', 'rejected', 'cancelled', 'completed'] as const;
export type RecoveryStatus = (typeof RECOVERY_STATUSES)[number];
export const RECOVERY_STATUS_LABELS: Readonly<Record<RecoveryStatus, string>> = {
  pending: '待核实',
  approved: '已核实，等待生效',
  rejected: '已驳回',
  cancelled: '已取消',
  completed: '已完成',
};

// GET /api/recovery-requests (staff: head teacher, school admin, operator)
export const RecoveryRequestViewSchema = z.object({
  id: z.uuid(),
  status: z.enum(RECOVERY_STATUSES),
  accountRole: z.enum(ACCOUNT_ROLES),
  usernameMasked: z.string().nullable(),
  /** The bound (old) phone and the requested new one, masked. */
  oldPhoneMasked: z.string().nullable(),
  newPhoneMasked: z.string(),
  /** The account's students in the reviewer's scope, names masked, with their class. */
  students: z.array(z.object({ nameMasked: z.string(), className: z.string().nullable() })),
  note: z.string(),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
  /** When an approved request can take effect. */
  effectiveAt: z.string().nullable(),
  rejectReason: z.string().nullable(),
});
export const RecoveryRequestListQuerySchema = z.strictObject({
  status: z.enum(RECOVERY_STATUSES).optional(),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
export const RecoveryRequestListResponseSchema = z.object({
  items: z.array(RecoveryRequestViewSchema),
  page: z.number().int(),
  pageSize: z.number().int(),
  total: z.number().int(),
});
export const RecoveryRejectRequestSchema = z.strictObject({
  reason: z.string().trim().min(2, errorMessage('REQUIRED')).max(100),
});
export const RecoveryDecisionResponseSchema = z.object({ request: RecoveryRequestViewSchema });

// POST /api/me/phone/code: a code (purpose change_phone) to the bound phone.
// POST /api/me/phone (更换手机号): codes to the old and the new phone.
export const ChangePhoneRequestSchema = z.strictObject({
  oldSmsCode: smsCodeSchema,
  newPhone: phoneSchema,
  newSmsCode: smsCodeSchema,
});

// POST /api/auth/username-recovery (账号申诉)
export const RecoverUsernameRequestSchema = z.strictObject({ phone: phoneSchema, smsCode: smsCodeSchema });
export const RecoverUsernameResponseSchema = z.object({
  /** The usernames bound to the phone, whole (the code proved the caller holds the phone); empty when none. */
  usernames: z.array(z.object({ username: z.string(), role: z.enum(ACCOUNT_ROLES), createdAt: z.string() })),
});

// POST /api/auth/teacher-activation
export const ActivateTeacherRequestSchema = z.strictObject({
  phone: phoneSchema,
  smsCode: smsCodeSchema,
  username: usernameSchema,
  password: passwordSchema,
  channel: ChannelSchema.default('h5'),
});

// POST /api/me/wechat (weapp): bind the signed-in account to this WeChat user.
export const BindWechatRequestSchema = z.strictObject({ code: z.string().min(1).max(128) });

export const OkResponseSchema = z.object({ ok: z.literal(true) });
