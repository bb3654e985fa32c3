import type { z } from 'zod'
import {
  ActivateTeacherRequestSchema,
  BindWechatRequestSchema,
  CaptchaResponseSchema,
  ChangePasswordRequestSchema,
  CHILDREN_RULES_VERSION,
  LoginRequestSchema,
  PRIVACY_POLICY_VERSION,
  RecoverUsernameRequestSchema,
  RecoverUsernameResponseSchema,
  RegisterRequestSchema,
  RecoveryCompleteRequestSchema,
  RecoveryFiledResponseSchema,
  RecoveryRequestSchema,
  ChangePhoneRequestSchema,
  AccountViewSchema,
  OkResponseSchema,
  ResetPasswordBySmsRequestSchema,
  SendSmsCodeRequestSchema,
  SendSmsCodeResponseSchema,
  SessionResponseSchema,
  WechatLoginRequestSchema,
  WechatLoginResponseSchema,
  WechatPhoneRequestSchema,
  WechatPhoneResponseSchema,
  type SmsPurpose,
} from '../../../domain/api/auth'
import { phoneSchema } from '../../../domain/contact/phone'
import { AppError, type FieldErrors } from '../../../domain/errors'
import { fieldErrorsFromIssues } from '../../../domain/validation/field-errors'
import { api } from './api-client'
import { clearSession, startSession } from './session'

/**
 * The accounts and sign-in calls (domain/api/auth.ts is the contract). Every
 * request is checked client-side with the same zod schema the server uses, so
 * the user sees the server's Chinese message next to the field before anything
 * is sent; failures are AppError('VALIDATION_FAILED') with `fields` keyed
 * 'body.<field>', exactly like the server's 400 answers.
 */

/** The channel recorded with a session. */
export const CHANNEL = process.env.TARO_ENV === 'weapp' ? 'weapp' : 'h5'

/** Parses a request body with its contract schema; throws the server-shaped validation error. */
export function checkRequest<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body, { reportInput: true })
  if (parsed.success) return parsed.data
  throw new AppError('VALIDATION_FAILED', { fields: fieldErrorsFromIssues(parsed.error.issues, 'body') })
}

/**
 * Every field problem of a request at once (the contract schema's, plus the
 * page's own such as a password confirmation), keyed like the server's answer.
 * Throws VALIDATION_FAILED when there is any.
 */
export function checkForm<S extends z.ZodType>(schema: S, body: unknown, extra: FieldErrors = {}): z.output<S> {
  const parsed = schema.safeParse(body, { reportInput: true })
  const fields: FieldErrors = parsed.success ? {} : fieldErrorsFromIssues(parsed.error.issues, 'body')
  for (const [key, message] of Object.entries(extra)) {
    if (!(key in fields)) fields[key] = message
  }
  if (!parsed.success || Object.keys(fields).length > 0) throw new AppError('VALIDATION_FAILED', { fields })
  return parsed.data
}

/** The agreement block of a registration: the versions of the texts shown. */
export function agreementOf(agreed: boolean) {
  return { privacyPolicyVersion: PRIVACY_POLICY_VERSION, childrenRulesVersion: CHILDREN_RULES_VERSION, agreed }
}

// --- SMS codes and captcha ------------------------------------------------------

export function sendSmsCode(phone: string, purpose: SmsPurpose) {
  const body = checkRequest(SendSmsCodeRequestSchema, { phone, purpose })
  return api.post('/api/auth/sms-codes', body, SendSmsCodeResponseSchema)
}

export function fetchCaptcha() {
  return api.get('/api/auth/captcha', CaptchaResponseSchema)
}

// --- registration and sign-in -------------------------------------------------------

export type RegisterInput = z.input<typeof RegisterRequestSchema>

export async function register(input: RegisterInput) {
  const body = checkRequest(RegisterRequestSchema, { ...input, channel: CHANNEL })
  const session = await api.post('/api/auth/register', body, SessionResponseSchema)
  startSession(session)
  return session
}

export type LoginInput = Omit<z.input<typeof LoginRequestSchema>, 'channel'>

export async function login(input: LoginInput) {
  const body = checkRequest(LoginRequestSchema, { ...input, channel: CHANNEL })
  const session = await api.post('/api/auth/login', body, SessionResponseSchema)
  startSession(session)
  return session
}

/** weapp: a wx.login code → signed in (bound) or a ticket to carry to registration (unbound). */
export async function wechatLogin(code: string) {
  const body = checkRequest(WechatLoginRequestSchema, { code })
  const result = await api.post('/api/auth/wechat/login', body, WechatLoginResponseSchema)
  if (result.bound) startSession(result)
  return result
}

/**
 * weapp: a getPhoneNumber code → a phone ticket. The contract returns the
 * masked phone only; a full `phone`, when the server sends it, fills the field.
 */
const WechatPhoneWithNumberSchema = WechatPhoneResponseSchema.extend({ phone: phoneSchema.optional() })

export function wechatPhone(code: string) {
  const body = checkRequest(WechatPhoneRequestSchema, { code })
  return api.post('/api/auth/wechat/phone', body, WechatPhoneWithNumberSchema)
}

/** weapp: binds the signed-in account to this WeChat user. */
export function bindWechat(code: string) {
  const body = checkRequest(BindWechatRequestSchema, { code })
  return api.post('/api/me/wechat', body)
}

// --- passwords and recovery -----------------------------------------------------------

export type ChangePasswordResult = { signedOut: true } | { signedOut: false }

/**
 * Changes the password. The server ends every session of the account; when it
 * answers with a new session the user stays signed in, otherwise the local
 * session is cleared and the caller sends the user to the login page.
 */
export async function changePassword(input: z.input<typeof ChangePasswordRequestSchema>): Promise<ChangePasswordResult> {
  const body = checkRequest(ChangePasswordRequestSchema, input)
  const result = await api.post('/api/me/password', body)
  const session = SessionResponseSchema.safeParse(result)
  if (session.success) {
    startSession(session.data)
    return { signedOut: false }
  }
  clearSession()
  return { signedOut: true }
}

export function resetPasswordBySms(input: z.input<typeof ResetPasswordBySmsRequestSchema>) {
  const body = checkRequest(ResetPasswordBySmsRequestSchema, input)
  return api.post('/api/auth/password-reset/sms', body)
}

/** 人工找回: file a request (the phone is lost); a head teacher or the school checks it. */
export function fileRecoveryRequest(input: z.input<typeof RecoveryRequestSchema>) {
  const body = checkRequest(RecoveryRequestSchema, input)
  return api.post('/api/auth/recovery-requests', body, RecoveryFiledResponseSchema)
}

/** 人工找回, after approval and the waiting period: the new phone and password take effect. */
export function completeRecovery(input: z.input<typeof RecoveryCompleteRequestSchema>) {
  const body = checkRequest(RecoveryCompleteRequestSchema, input)
  return api.post('/api/auth/recovery-requests/complete', body, OkResponseSchema)
}

/** 更换手机号, step 1: a code to the bound (old) phone. */
export function sendOldPhoneCode() {
  return api.post('/api/me/phone/code', {}, SendSmsCodeResponseSchema)
}

/** 更换手机号: codes of the old and the new phone. */
export function changePhone(input: z.input<typeof ChangePhoneRequestSchema>) {
  const body = checkRequest(ChangePhoneRequestSchema, input)
  return api.post('/api/me/phone', body, AccountViewSchema)
}

export function recoverUsername(input: z.input<typeof RecoverUsernameRequestSchema>) {
  const body = checkRequest(RecoverUsernameRequestSchema, input)
  return api.post('/api/auth/username-recovery', body, RecoverUsernameResponseSchema)
}

export async function activateTeacher(input: Omit<z.input<typeof ActivateTeacherRequestSchema>, 'channel'>) {
  const body = checkRequest(ActivateTeacherRequestSchema, { ...input, channel: CHANNEL })
  const result = await api.post('/api/auth/teacher-activation', body)
  // The contract leaves the answer open: a session signs the teacher in; otherwise they log in.
  const session = SessionResponseSchema.safeParse(result)
  if (session.success) startSession(session.data)
  return { signedIn: session.success }
}
