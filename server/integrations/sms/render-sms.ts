/**
 * The Chinese text of every SMS EduCard sends, in one place. The provider
 * renders the approved template itself; this rendering is what the development
 * inbox shows and what the logs describe (never with the code in a log).
 */
import type { SmsMessage } from './sms-sender';

export const DEFAULT_SMS_SIGN_NAME = '教育卡';

/** e.g. 【教育卡】您的验证码为123456，5分钟内有效。请勿泄露给他人。 */
export function renderSms(message: SmsMessage, options: { signName?: string } = {}): string {
  const sign = `【${options.signName ?? DEFAULT_SMS_SIGN_NAME}】`;
  switch (message.template) {
    case 'verification_code':
      return `${sign}您的验证码为${message.params.code}，${message.params.minutes}分钟内有效。请勿泄露给他人。`;
    case 'review_digest':
      return `${sign}您有${message.params.count}份学生认证资料待审核，请在微信小程序"教育卡"中处理。`;
    case 'review_approved':
      return `${sign}${message.params.student}的学生身份认证已通过，教育卡号${message.params.cardNumber}，可在小程序中查看电子教育卡。`;
    case 'review_returned':
      return `${sign}${message.params.student}的学生认证资料被退回：${message.params.reason}。请在小程序中修改后重新提交。`;
    case 'reconfirm':
      return `${sign}新学期请在${message.params.deadline}前确认${message.params.student}的学校班级信息，请在小程序中操作。`;
    case 'notice':
      return `${sign}班级${message.params.type}：${message.params.title}，请在微信小程序"教育卡"中查看。`;
    case 'account_security':
      return `${sign}您的教育卡账号${message.params.event}。如非本人操作，请立即登录小程序处理或联系班主任。`;
    case 'staff_invitation':
      return `${sign}${message.params.school}已为您开通教育卡教师账号，请在微信小程序"教育卡"登录页进入"教师账号激活"，用本手机号验证后设置用户名和密码。`;
  }
}

/** The template's parameters in the provider's order ({1}, {2}, …). */
export function templateParams(message: SmsMessage): string[] {
  switch (message.template) {
    case 'verification_code':
      return [message.params.code, String(message.params.minutes)];
    case 'review_digest':
      return [String(message.params.count)];
    case 'review_approved':
      return [message.params.student, message.params.cardNumber];
    case 'review_returned':
      return [message.params.student, message.params.reason];
    case 'reconfirm':
      return [message.params.student, message.params.deadline];
    case 'notice':
      return [message.params.type, message.params.title];
    case 'account_security':
      return [message.params.event];
    case 'staff_invitation':
      return [message.params.school];
  }
}

/** 13812345678 → 138****5678, for logs. */
export function maskPhone(phone: string): string {
  return phone.length >= 7 ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : '****';
}
