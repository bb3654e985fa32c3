/**
 * Delivering notification rows: over the official-account template message,
 * the mini-program subscribe message or SMS, in the order of the recipient's
 * role, with one message_deliveries row per channel tried.
 *
 *   teachers (teacher, school_admin): template → subscribe → SMS
 *   families (parent, student):       subscribe → template → SMS
 *
 * Per channel:
 * - impossible (no official-account openid or it unfollowed, no mini-program
 *   openid or no unused grant, no phone) → skipped, next channel;
 * - 43004 (not following), 43101 (no grant), 40003 (bad openid) → skipped with
 *   the errcode, next channel;
 * - token errors (40001 / 42001 / 40014) are retried once with a fresh token by
 *   callWechat; still failing → queued, retried by the queue (no fallback);
 * - 45009 (quota reached) → queued with next_attempt_at; the job is delayed
 *   with exponential back-off (RetryLaterError), never a fallback;
 * - WeChat unavailable (network, 5xx) / SMS provider busy → queued; the job
 *   throws and BullMQ retries with its back-off; but a subscribe message whose
 *   request timed out (WeChat may have taken it and answered late) → failed,
 *   outcome unknown, not re-sent (it has no client_msg_id; at most once);
 * - 47003 (a value breaks its rule: our formatting bug), 40037, 41030 and every
 *   other errcode → failed with the errcode, no fallback: sending the same
 *   content elsewhere would hide the bug and may reach the person twice.
 *
 * Never twice: the row of (notification, channel) is claimed (status sending)
 * before the provider is called, and a row that is sent, failed or skipped is
 * never sent again, so a retried or re-delivered job resumes where the last
 * one stopped. A claim older than CLAIM_LEASE_MS is a worker that died
 * mid-send: template messages are re-sent with the same client_msg_id (the
 * delivery id; WeChat keeps one message per openid and id for ~10 minutes);
 * subscribe messages and SMS have no such key, so the row is marked failed
 * (at most once) instead of risking a second message.
 *
 * A review.waiting row is sent only when it opens its teacher's digest window
 * (./digest.ts: admitReviewWaiting); otherwise it is `gathered`. A template
 * message that WeChat later reports as not delivered (TEMPLATESENDJOBFINISH,
 * ./template-result.ts) becomes `skipped`, and its new job walks on from there.
 *
 * Many rows at once (`deliverNotifications`, the notice fan-out's batch jobs;
 * one row is a batch of one): the notifications, recipients, earlier delivery
 * rows and grants are loaded in four statements; the sends go through the
 * process's send pipeline (slots, rate limit, claims in waves; ctx.messaging,
 * built by createContext) and their outcomes through the delivery recorder
 * (multi-row writes with the grant and notice side effects). A row that must
 * wait comes back as `retry`: the single-row job throws (RetryLaterError or
 * the error), the batch job hands it on to a job of its own.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { messageContent, type MessageContent } from '../../../domain/messaging/messages';
import { messageDeliveries, notifications } from '../../db/schema';
import { WechatApiError, WechatUnavailableError } from '../../integrations/wechat';
import { SmsSendError } from '../../integrations/sms';
import { loadRecipients, prepareAttempt, routeOf, type Attempt, type Channel, type Recipient } from './channels';
import { admitReviewWaiting } from './digest';
import type { MessagingContext } from './runtime';
import { CLAIM_LEASE_MS, skipDeliveries, type DeliveryRecord, type DeliveryRow, type SkipRow } from './delivery-rows';
import { grantKey, unusedGrantsOf } from './grants';
import type { SendResult } from './send-pipeline';

export { FAMILY_ROUTE, routeFor, TEACHER_ROUTE, type Channel } from './channels';
export type { MessagingContext } from './runtime';
export { CLAIM_LEASE_MS, type DeliveryRow } from './delivery-rows';

/** Encryption context of notifications.sms_phone_cipher. */
export const NOTIFICATION_SMS_PHONE_CONTEXT = 'notifications.sms_phone';

/** Errcodes after which the next channel is tried. */
export const FALLBACK_ERRCODES: ReadonlySet<number> = new Set([43004, 43101, 40003]);
/** Daily quota reached: retry later, same channel. */
export const QUOTA_ERRCODE = 45009;
/** Longest 45009 back-off. */
export const MAX_QUOTA_BACKOFF_MS = 6 * 3600_000;
/** Errcodes worth retrying on the same channel: tokens still refused after callWechat's refresh, system busy. */
export const TRANSIENT_ERRCODES: ReadonlySet<number> = new Set([-1, 40001, 42001, 40014]);

/** The job should run again after delayMs (45009, or another worker holds the claim); not a failure. */
export class RetryLaterError extends Error {
  constructor(
    readonly delayMs: number,
    reason: string,
  ) {
    super(`retry in ${delayMs} ms: ${reason}`);
    this.name = 'RetryLaterError';
  }
}

export type DeliveryOutcome =
  | { outcome: 'sent'; channel: Channel; deliveryId: string }
  | { outcome: 'failed'; channel: Channel; errcode: number | null }
  /** Every channel was impossible or refused with a fallback errcode. */
  | { outcome: 'undeliverable' }
  /** review.waiting inside its teacher's open digest window: the window's review.digest speaks for it. */
  | { outcome: 'gathered'; windowId: string }
  | { outcome: 'missing' }
  | { outcome: 'not_sent'; reason: string };

/**
 * Not finished: try again later. `later`: after `delayMs`, no attempt spent
 * (45009, a claim held elsewhere). `after_error`: the attempt counts (WeChat
 * unavailable, a token still refused, a database fault); `attempts` is the
 * number of sends made so far.
 */
export type RetryResult =
  | { outcome: 'retry'; retry: 'later'; reason: string; delayMs: number }
  | { outcome: 'retry'; retry: 'after_error'; reason: string; error: unknown; attempts: number };

export type DeliveryResult = DeliveryOutcome | RetryResult;

function quotaBackoffMs(ctx: MessagingContext, attempts: number): number {
  return Math.min(MAX_QUOTA_BACKOFF_MS, ctx.config.NOTIFY_QUOTA_RETRY_MS * 2 ** Math.max(0, attempts - 1));
}

const retryLater = (delayMs: number, reason: string): RetryResult => ({ outcome: 'retry', retry: 'later', reason, delayMs });
const retryAfterError = (error: unknown, attempts: number): RetryResult => ({ outcome: 'retry', retry: 'after_error', reason: errorText(error), error, attempts });

/** The request went out but no answer came within the client's timeout (WeChat may still have acted on it). */
function isTimeout(err: WechatUnavailableError): boolean {
  const cause = err.cause as { name?: unknown } | undefined;
  return cause?.name === 'TimeoutError';
}

function errorText(err: unknown): string {
  return String((err as Error)?.message ?? err).slice(0, 500);
}

/** One notification on its way along its route. */
interface Delivery {
  notification: typeof notifications.$inferSelect;
  content: MessageContent;
  recipient: Recipient;
  route: readonly Channel[];
  /** Index in route of the channel to look at next. */
  position: number;
  /** The rows of earlier jobs, by channel. */
  earlier: Map<Channel, DeliveryRow>;
}

/** Deliver one notification row; see the module comment. Throws RetryLaterError, WechatUnavailableError or a retryable SmsSendError to be retried. */
export async function deliverNotification(ctx: MessagingContext, notificationId: string): Promise<DeliveryOutcome> {
  const result = (await deliverNotifications(ctx, [notificationId])).get(notificationId)!;
  if (result.outcome !== 'retry') return result;
  if (result.retry === 'after_error') throw result.error;
  throw new RetryLaterError(result.delayMs, result.reason);
}

/** Deliver many notification rows together; one result per id. Rejects only when the database fails outside a send (the job is retried). */
export async function deliverNotifications(ctx: MessagingContext, notificationIds: readonly string[]): Promise<Map<string, DeliveryResult>> {
  const results = new Map<string, DeliveryResult>();
  const ids = [...new Set(notificationIds)];
  if (ids.length === 0) return results;

  const rows = await ctx.db.select().from(notifications).where(inArray(notifications.id, ids));
  const byId = new Map(rows.map((r) => [r.id, r]));
  const pending: { notification: typeof notifications.$inferSelect; content: MessageContent }[] = [];
  for (const id of ids) {
    const notification = byId.get(id);
    if (!notification) results.set(id, { outcome: 'missing' });
    else {
      if (notification.kind === 'review.waiting') {
        const admission = await admitReviewWaiting(ctx, notification);
        if (admission.kind === 'gathered') {
          results.set(id, { outcome: 'gathered', windowId: admission.windowId });
          continue;
        }
      }
      const content = messageContent(notification.kind, notification.data as Record<string, unknown>, notification.createdAt);
      if (content) pending.push({ notification, content });
      else results.set(id, { outcome: 'not_sent', reason: `kind ${notification.kind} is not sent as a message` });
    }
  }
  if (pending.length === 0) return results;

  const accountIds = [...new Set(pending.map((p) => p.notification.accountId))];
  const [recipients, earlierRows, grants] = await Promise.all([
    loadRecipients(ctx, accountIds),
    ctx.db
      .select()
      .from(messageDeliveries)
      .where(
        inArray(
          messageDeliveries.notificationId,
          pending.map((p) => p.notification.id),
        ),
      ),
    unusedGrantsOf(ctx.db, accountIds),
  ]);
  const earlierOf = new Map<string, Map<Channel, DeliveryRow>>();
  for (const row of earlierRows) {
    const map = earlierOf.get(row.notificationId) ?? new Map<Channel, DeliveryRow>();
    map.set(row.channel, row);
    earlierOf.set(row.notificationId, map);
  }

  let round: Delivery[] = [];
  for (const { notification, content } of pending) {
    const recipient = recipients.get(notification.accountId);
    if (!recipient) results.set(notification.id, { outcome: 'missing' });
    else if (recipient.status === 'disabled') results.set(notification.id, { outcome: 'not_sent', reason: 'account disabled' });
    else {
      // A security notice to the OLD phone carries that phone on the row (sms_phone_cipher).
      const to = notification.smsPhoneCipher ? { ...recipient, phoneCipher: notification.smsPhoneCipher, phoneContext: NOTIFICATION_SMS_PHONE_CONTEXT } : recipient;
      round.push({ notification, content, recipient: to, route: content.route ?? routeOf(recipient.role, notification.data), position: 0, earlier: earlierOf.get(notification.id) ?? new Map() });
    }
  }

  const walker = new RouteWalker(ctx, grants, results);
  while (round.length > 0) round = await walker.round(round);
  return results;
}

/** One pass over the deliveries still on their way: each moves to its next channel, and all those sends go out together. */
class RouteWalker {
  private readonly pipeline: MessagingContext['messaging']['sendPipeline'];
  private readonly recorder: MessagingContext['messaging']['recorder'];

  constructor(
    private readonly ctx: MessagingContext,
    /** Unused grants per grantKey, counted down as sends are planned. */
    private readonly grants: Map<string, number>,
    private readonly results: Map<string, DeliveryResult>,
  ) {
    this.pipeline = ctx.messaging.sendPipeline;
    this.recorder = ctx.messaging.recorder;
  }

  /** Resolves with the deliveries that fell back to their next channel. */
  async round(deliveries: Delivery[]): Promise<Delivery[]> {
    const skips: SkipRow[] = [];
    const records: DeliveryRecord[] = [];
    const sends: { delivery: Delivery; attempt: Attempt }[] = [];
    for (const delivery of deliveries) {
      const attempt = this.nextAttempt(delivery, skips, records);
      if (attempt) sends.push({ delivery, attempt });
    }
    await skipDeliveries(this.ctx, skips);
    await this.recorder.record(records);

    const fallbacks: Delivery[] = [];
    const settled = await Promise.allSettled(
      sends.map(async ({ delivery, attempt }) => {
        const { notification, recipient } = delivery;
        const result = await this.pipeline.send({ notificationId: notification.id, accountId: recipient.id, channel: attempt.channel, attempt });
        const next = this.outcomeOf(delivery, attempt, result);
        if (next.record) {
          const written = this.recorder.record([next.record]);
          // A fault we do not know: the row stays claimable whether or not this write lands; the retry decides.
          await (next.result?.outcome === 'retry' && next.result.retry === 'after_error' ? written.catch(() => undefined) : written);
        }
        if (next.result) this.results.set(notification.id, next.result);
        else fallbacks.push({ ...delivery, position: delivery.route.indexOf(attempt.channel) + 1 });
      }),
    );
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) throw failure.reason;
    return fallbacks;
  }

  /** Walk the route from the delivery's position: the attempt to send, or undefined with its result set. */
  private nextAttempt(delivery: Delivery, skips: SkipRow[], records: DeliveryRecord[]): Attempt | undefined {
    const { notification, recipient, content, route, earlier } = delivery;
    const set = (result: DeliveryResult) => {
      this.results.set(notification.id, result);
      return undefined;
    };
    const now = Date.now();
    for (let i = delivery.position; i < route.length; i += 1) {
      const channel = route[i]!;
      const previous = earlier.get(channel);
      if (previous?.status === 'sent') return set({ outcome: 'sent', channel, deliveryId: previous.id });
      if (previous?.status === 'failed') return set({ outcome: 'failed', channel, errcode: previous.errcode });
      if (previous?.status === 'skipped') continue;
      if (previous?.status === 'queued' && previous.nextAttemptAt && previous.nextAttemptAt.getTime() > now) {
        // Another job of the same notification is waiting out a 45009 back-off: so does this one.
        return set(retryLater(previous.nextAttemptAt.getTime() - now, 'waiting for the quota back-off'));
      }
      if (previous?.status === 'sending') {
        const age = now - previous.updatedAt.getTime();
        if (age < CLAIM_LEASE_MS) return set(retryLater(CLAIM_LEASE_MS - age + 1_000, 'another worker is sending this message'));
        if (channel !== 'template') {
          records.push({
            deliveryId: previous.id,
            status: 'failed',
            errcode: previous.errcode,
            errmsg: 'outcome unknown: the worker stopped during the send; not re-sent (at most once)',
          });
          this.ctx.logger.warn({ notificationId: notification.id, channel, deliveryId: previous.id }, 'message outcome unknown after a worker stopped mid-send; not re-sent');
          return set({ outcome: 'failed', channel, errcode: null });
        }
      }
      const attempt = prepareAttempt(this.ctx, channel, recipient, content, notification.pagePath, (templateId) => (this.grants.get(grantKey(recipient.id, templateId)) ?? 0) > 0);
      if ('impossible' in attempt) {
        skips.push({ notificationId: notification.id, accountId: recipient.id, channel, templateId: attempt.templateId, errmsg: attempt.impossible });
        continue;
      }
      if (attempt.grantTemplateId) this.adjustGrant(recipient.id, attempt.grantTemplateId, -1);
      return attempt;
    }
    return set({ outcome: 'undeliverable' });
  }

  private adjustGrant(accountId: string, templateId: string, by: number | 'reset'): void {
    const key = grantKey(accountId, templateId);
    this.grants.set(key, by === 'reset' ? 0 : Math.max(0, (this.grants.get(key) ?? 0) + by));
  }

  /** What a send's result means: the row's record, and the delivery's result (none: fall back to the next channel). */
  private outcomeOf(delivery: Delivery, attempt: Attempt, sent: SendResult): { record?: DeliveryRecord; result?: DeliveryResult } {
    const { notification, recipient } = delivery;
    const { channel } = attempt;
    const log = this.ctx.logger;
    const about = { notificationId: notification.id, kind: notification.kind, channel };
    if (sent.kind !== 'sent' && attempt.grantTemplateId) this.adjustGrant(recipient.id, attempt.grantTemplateId, +1);
    switch (sent.kind) {
      case 'not_claimed':
        return { result: retryLater(5_000, 'the delivery row is claimed by another worker') };
      case 'not_started':
        return { result: retryAfterError(sent.error, 0) };
      case 'gave_up':
        return {
          record: { deliveryId: sent.row.id, status: 'failed', errcode: sent.row.errcode, errmsg: `gave up after ${sent.row.attempts - 1} attempts: ${sent.row.errmsg ?? ''}` },
          result: { outcome: 'failed', channel, errcode: sent.row.errcode },
        };
      case 'sent': {
        const data = notification.data as Record<string, unknown>;
        log.debug({ ...about, deliveryId: sent.row.id }, 'message sent');
        return {
          record: {
            deliveryId: sent.row.id,
            status: 'sent',
            errcode: null,
            errmsg: null,
            providerMessageId: sent.msgid,
            ...(attempt.grantTemplateId ? { useGrant: { accountId: recipient.id, templateId: attempt.grantTemplateId } } : {}),
            ...(notification.kind === 'notice.published' && typeof data.noticeId === 'string' ? { noticeDelivered: { noticeId: data.noticeId, accountId: recipient.id } } : {}),
          },
          result: { outcome: 'sent', channel, deliveryId: sent.row.id },
        };
      }
      case 'error':
        break;
    }
    const { row, error: err } = sent;
    if (err instanceof WechatApiError) {
      const base = { deliveryId: row.id, errcode: err.errcode, errmsg: err.errmsg };
      if (FALLBACK_ERRCODES.has(err.errcode)) {
        log.info({ ...about, errcode: err.errcode }, 'channel refused; trying the next one');
        if (err.errcode === 43101 && attempt.templateId) {
          this.adjustGrant(recipient.id, attempt.templateId, 'reset');
          return { record: { ...base, status: 'skipped', clearGrants: { accountId: recipient.id, templateId: attempt.templateId } } };
        }
        return { record: { ...base, status: 'skipped' } };
      }
      if (err.errcode === QUOTA_ERRCODE) {
        const delayMs = quotaBackoffMs(this.ctx, row.attempts);
        log.warn({ ...about, delayMs }, 'WeChat quota reached (45009); retrying later');
        return { record: { ...base, status: 'queued', nextAttemptAt: new Date(Date.now() + delayMs) }, result: retryLater(delayMs, 'WeChat quota reached (45009)') };
      }
      if (TRANSIENT_ERRCODES.has(err.errcode)) return { record: { ...base, status: 'queued' }, result: retryAfterError(err, row.attempts) };
      log.error({ ...about, errcode: err.errcode, errmsg: err.errmsg }, 'message refused permanently');
      return { record: { ...base, status: 'failed' }, result: { outcome: 'failed', channel, errcode: err.errcode } };
    }
    if (err instanceof WechatUnavailableError && channel !== 'template' && isTimeout(err)) {
      // WeChat may have taken the message and answered late: without a client_msg_id, re-sending could deliver it twice.
      log.warn({ ...about, deliveryId: row.id }, 'WeChat did not answer in time; outcome unknown, not re-sent');
      return {
        record: { deliveryId: row.id, status: 'failed', errcode: null, errmsg: 'outcome unknown: WeChat did not answer in time; not re-sent (at most once)' },
        result: { outcome: 'failed', channel, errcode: null },
      };
    }
    if (err instanceof WechatUnavailableError || (err instanceof SmsSendError && err.retryable)) {
      return { record: { deliveryId: row.id, status: 'queued', errcode: null, errmsg: errorText(err) }, result: retryAfterError(err, row.attempts) };
    }
    if (err instanceof SmsSendError) {
      return { record: { deliveryId: row.id, status: 'failed', errcode: null, errmsg: `${err.providerCode}: ${err.message}` }, result: { outcome: 'failed', channel, errcode: null } };
    }
    // Unknown fault (database, bug): leave the row claimable and let the queue retry.
    return { record: { deliveryId: row.id, status: 'queued', errcode: null, errmsg: errorText(err) }, result: retryAfterError(err, row.attempts) };
  }
}

/** The job gave up (final attempt failed): rows still queued or sending become failed. */
export async function markDeliveryGivenUp(ctx: Pick<MessagingContext, 'db'>, notificationId: string, reason: string): Promise<void> {
  await ctx.db
    .update(messageDeliveries)
    .set({ status: 'failed', errmsg: `gave up: ${reason}`.slice(0, 500), updatedAt: sql`now()` })
    .where(and(eq(messageDeliveries.notificationId, notificationId), inArray(messageDeliveries.status, ['queued', 'sending'])));
}

/** The delivery rows of these notifications (the development inbox). */
export async function deliveriesOf(ctx: Pick<MessagingContext, 'db'>, notificationIds: string[]): Promise<DeliveryRow[]> {
  if (notificationIds.length === 0) return [];
  return ctx.db.select().from(messageDeliveries).where(inArray(messageDeliveries.notificationId, notificationIds)).orderBy(messageDeliveries.createdAt);
}
