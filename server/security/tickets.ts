/**
 * Short-lived single-use tickets in Redis: the WeChat ticket (an unbound
 * mini-program user's openid/unionid, to bind at registration) and the phone
 * ticket (a phone number proven by WeChat's phone button, instead of an SMS
 * code). The client holds an opaque token; Redis holds the payload under the
 * token's HMAC, never the token itself.
 */
import { AppError } from '../../domain/errors';
import type { Redis } from '../redis';
import { newToken, purposeHmac } from './tokens';

export type TicketKind = 'wechat' | 'phone';

export const TICKET_TTL_SECONDS = 600;

export class TicketStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly secret: string,
  ) {}

  private key(kind: TicketKind, token: string): string {
    return `${this.prefix}:auth:ticket:${kind}:${purposeHmac(this.secret, `ticket-${kind}`, token)}`;
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (err) {
      throw new AppError('SERVICE_UNAVAILABLE', { cause: err });
    }
  }

  async issue(kind: TicketKind, payload: object, ttlSeconds = TICKET_TTL_SECONDS): Promise<string> {
    const token = newToken();
    await this.run(() => this.redis.set(this.key(kind, token), JSON.stringify(payload), 'EX', ttlSeconds));
    return token;
  }

  /** The payload without spending the ticket; null when unknown or expired. */
  async peek<T>(kind: TicketKind, token: string): Promise<T | null> {
    const raw = await this.run(() => this.redis.get(this.key(kind, token)));
    return raw === null ? null : (JSON.parse(raw) as T);
  }

  /** Spend the ticket (atomically: one caller gets the payload); null when unknown, expired or spent. */
  async take<T>(kind: TicketKind, token: string): Promise<{ payload: T; ttlMs: number } | null> {
    const key = this.key(kind, token);
    const [[, ttl], [, raw]] = (await this.run(() => this.redis.multi().pttl(key).getdel(key).exec())) as [
      [unknown, number],
      [unknown, string | null],
    ];
    return raw === null ? null : { payload: JSON.parse(raw) as T, ttlMs: ttl };
  }

  /** Put a taken ticket back (the operation that spent it failed before it took effect). */
  async restore(kind: TicketKind, token: string, payload: object, ttlMs: number): Promise<void> {
    if (ttlMs <= 0) return;
    await this.redis.set(this.key(kind, token), JSON.stringify(payload), 'PX', ttlMs, 'NX').catch(() => undefined);
  }
}
