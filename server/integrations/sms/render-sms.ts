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
  }
}

/** The template's parameters in the provider's order ({1}, {2}, …). */
export function templateParams(message: SmsMessage): string[] {
  switch (message.template) {
    case 'verification_code':
      return [message.params.code, String(message.params.minutes)];
  }
}

/** 13812345678 → 138****5678, for logs. */
export function maskPhone(phone: string): string {
  return phone.length >= 7 ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : '****';
}
