/**
 * The development SMS provider: nothing leaves the machine. Each message goes
 * onto a capped Redis list that the development inbox page (and tests) read,
 * and one log line says a message was sent, with the phone masked and no code.
 */
import type { Logger } from '../../logging/logger';
import type { Redis } from '../../redis';
import { maskPhone, renderSms } from './render-sms';
import { SmsSendError, type SmsMessage, type SmsSender } from './sms-sender';

export const DEV_INBOX_CAPACITY = 200;

export interface DevInboxEntry {
  /** ISO time the message was "sent". */
  at: string;
  phone: string;
  template: SmsMessage['template'];
  /** The Chinese SMS text as the phone would show it. */
  text: string;
  /** The template's parameters; `code` is '' for messages other than verification codes. */
  params: { code: string; [key: string]: string | number };
}

export function devInboxKey(prefix: string): string {
  return `${prefix}:dev:sms-inbox`;
}

export class DevSmsSender implements SmsSender {
  constructor(
    private readonly deps: { redis: Redis; prefix: string; logger: Logger; signName?: string; now?: () => Date },
  ) {}

  async send(message: SmsMessage): Promise<void> {
    const entry: DevInboxEntry = {
      at: (this.deps.now?.() ?? new Date()).toISOString(),
      phone: message.phone,
      template: message.template,
      text: renderSms(message, { signName: this.deps.signName }),
      params: message.template === 'verification_code' ? message.params : { code: '', ...message.params },
    };
    const key = devInboxKey(this.deps.prefix);
    try {
      await this.deps.redis
        .multi()
        .lpush(key, JSON.stringify(entry))
        .ltrim(key, 0, DEV_INBOX_CAPACITY - 1)
        .exec();
    } catch (err) {
      throw new SmsSendError(`development inbox unavailable: ${(err as Error).message}`, 'DevInbox.Unavailable', true);
    }
    this.deps.logger.info({ to: maskPhone(message.phone), template: message.template }, 'SMS delivered to the development inbox');
  }
}

/** Newest first; optionally only one phone's messages. */
export async function readDevInbox(
  redis: Redis,
  prefix: string,
  options: { phone?: string; limit?: number } = {},
): Promise<DevInboxEntry[]> {
  const limit = Math.max(0, Math.min(options.limit ?? 50, DEV_INBOX_CAPACITY));
  const raw = await redis.lrange(devInboxKey(prefix), 0, DEV_INBOX_CAPACITY - 1);
  const entries: DevInboxEntry[] = [];
  for (const item of raw) {
    if (entries.length >= limit) break;
    let entry: DevInboxEntry;
    try {
      entry = JSON.parse(item) as DevInboxEntry;
    } catch {
      continue;
    }
    if (options.phone === undefined || entry.phone === options.phone) entries.push(entry);
  }
  return entries;
}
