/**
 * Every provider call of a worker process goes through its send pipeline:
 *
 * - at most NOTIFY_CONCURRENCY sends in flight in the process;
 * - at most NOTIFY_RATE_PER_S sends started per second across all processes
 *   (SendRateLimiter, in Redis; the permit is taken before the claim);
 * - the delivery rows are claimed shortly before their sends, in one
 *   statement per wave, and at most NOTIFY_CONCURRENCY rows are claimed ahead
 *   of a free send slot (the next wave is claimed while the current one is
 *   being sent, so the claim's round trip does not idle the slots).
 *
 * A worker killed at any moment thus leaves at most 2 × NOTIFY_CONCURRENCY
 * rows `sending` (half of them possibly not sent): template messages among
 * them are re-sent with the same client_msg_id after the lease, subscribe
 * messages and SMS are recorded failed (outcome unknown), never sent twice.
 */
import type { Attempt } from './channels';
import { claimDeliveries, deliveryKey, type ClaimedRow, type DeliveryKey } from './delivery-rows';
import type { MessagingDeps } from './messaging-deps';
import { SendRateLimiter } from './send-rate-limiter';

export interface SendRequest extends DeliveryKey {
  attempt: Attempt;
}

export type SendResult =
  /** The row is held by another worker, or has moved on (sent, failed, skipped). */
  | { kind: 'not_claimed' }
  /** No permit or no claim could be had (Redis or PostgreSQL failing); nothing was sent or claimed. */
  | { kind: 'not_started'; error: unknown }
  /** Claimed, but it has been sent NOTIFY_MAX_ATTEMPTS times already: not sent again. */
  | { kind: 'gave_up'; row: ClaimedRow }
  | { kind: 'sent'; row: ClaimedRow; msgid: string | null }
  | { kind: 'error'; row: ClaimedRow; error: unknown };

interface Queued {
  request: SendRequest;
  resolve: (result: SendResult) => void;
}

export class SendPipeline {
  /** Requests waiting for their claim. */
  private readonly queue: Queued[] = [];
  /** Claimed rows waiting for a send slot (at most `concurrency`, with those being claimed). */
  private readonly ready: { q: Queued; row: ClaimedRow }[] = [];
  private claiming = 0;
  private sending = 0;
  private pumping = false;

  constructor(
    private readonly ctx: Pick<MessagingDeps, 'db'>,
    private readonly limiter: Pick<SendRateLimiter, 'take'>,
    private readonly concurrency: number,
    private readonly maxAttempts: number,
  ) {}

  /** Claim the request's row and send it; never rejects. */
  send(request: SendRequest): Promise<SendResult> {
    return new Promise<SendResult>((resolve) => {
      this.queue.push({ request, resolve });
      void this.pump();
    });
  }

  /** Claim waves while fewer than `concurrency` rows are claimed ahead of their sends. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0 && this.ready.length + this.claiming < this.concurrency) {
        const wanted = Math.min(this.queue.length, this.concurrency - this.ready.length - this.claiming);
        this.claiming += wanted;
        let permits: number;
        try {
          permits = await this.limiter.take(wanted);
        } catch (error) {
          this.claiming -= wanted;
          for (const q of this.queue.splice(0, wanted)) q.resolve({ kind: 'not_started', error });
          continue;
        }
        this.claiming -= wanted - permits;
        const wave = this.queue.splice(0, permits);
        await this.claim(wave);
        this.startSends();
      }
    } finally {
      this.pumping = false;
    }
  }

  private async claim(wave: Queued[]): Promise<void> {
    let claimed: Map<string, ClaimedRow>;
    try {
      claimed = await claimDeliveries(
        this.ctx,
        wave.map(({ request: r }) => ({
          notificationId: r.notificationId,
          accountId: r.accountId,
          channel: r.channel,
          templateId: r.attempt.templateId,
          pagePath: r.attempt.pagePath,
          fields: r.attempt.fields,
        })),
      );
    } catch (error) {
      for (const q of wave) q.resolve({ kind: 'not_started', error });
      return;
    } finally {
      this.claiming -= wave.length;
    }
    for (const q of wave) {
      const row = claimed.get(deliveryKey(q.request.notificationId, q.request.channel));
      if (!row) q.resolve({ kind: 'not_claimed' });
      else if (row.attempts > this.maxAttempts) q.resolve({ kind: 'gave_up', row });
      else this.ready.push({ q, row });
    }
  }

  private startSends(): void {
    while (this.sending < this.concurrency && this.ready.length > 0) {
      const { q, row } = this.ready.shift()!;
      this.sending += 1;
      void this.sendOne(q, row);
    }
  }

  private async sendOne(q: Queued, row: ClaimedRow): Promise<void> {
    try {
      const msgid = await q.request.attempt.send(row.id);
      q.resolve({ kind: 'sent', row, msgid });
    } catch (error) {
      q.resolve({ kind: 'error', row, error });
    } finally {
      this.sending -= 1;
      this.startSends();
      void this.pump();
    }
  }
}

/** The send pipeline of a process (one: the slots and the limiter's bank are shared by all its jobs). */
export function createSendPipeline(deps: Pick<MessagingDeps, 'db' | 'redis' | 'config'>): SendPipeline {
  const limiter = new SendRateLimiter({ redis: deps.redis, prefix: deps.config.QUEUE_PREFIX, max: deps.config.NOTIFY_RATE_PER_S });
  return new SendPipeline(deps, limiter, deps.config.NOTIFY_CONCURRENCY, deps.config.NOTIFY_MAX_ATTEMPTS);
}
