/**
 * Sending SMS. One interface, two providers: Tencent Cloud SMS in production
 * (tencent-sms-sender.ts) and the development inbox (dev-sms-sender.ts).
 */
import type { NotificationSms } from '../../../domain/messaging/messages';

/** Messages EduCard sends by SMS; each maps to one approved provider template. */
export type SmsMessage =
  | {
      template: 'verification_code';
      phone: string;
      params: { code: string; minutes: number };
    }
  | (NotificationSms & { phone: string });

export interface SmsSender {
  /** Resolves when the provider accepted the message; throws SmsSendError otherwise. */
  send(message: SmsMessage): Promise<void>;
}

export class SmsSendError extends Error {
  constructor(
    message: string,
    /** The provider's error code, e.g. LimitExceeded.PhoneNumberDailyLimit. */
    readonly providerCode: string,
    /** Worth retrying later (throttling, provider outage), as opposed to a rejected number or template. */
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'SmsSendError';
  }
}
