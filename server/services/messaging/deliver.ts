/**
 * Delivering one notification row (issue #5 §1–2): over the official-account
 * template message, the mini-program subscribe message or SMS, in the order of
 * the recipient's role, with one message_deliveries row per channel tried.
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
 *   throws and BullMQ retries with its back-off;
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
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { AccountRole } from '../../../domain/api/auth';
import { formatMessageData, type MessageData } from '../../../domain/messaging/fields';
import { messageContent, type MessageContent } from '../../../domain/messaging/messages';
import type { AppContext } from '../../context';
import { accounts, messageDeliveries, noticeRecipients, notifications, wechatOaUsers } from '../../db/schema';
import { callWechat, createWechatApi, WechatApiError, WechatUnavailableError, type WechatApi } from '../../integrations/wechat';
import { SmsSendError } from '../../integrations/sms';
import { phoneOf } from '../accounts/account-view';
import { availableGrants, clearGrants, consumeGrant } from './grants';
import { templatesOf } from './templates';

export type Channel = 'template' | 'subscribe' | 'sms';
export type DeliveryRow = typeof messageDeliveries.$inferSelect;

export type MessagingContext = Pick<AppContext, 'config' | 'db' | 'pii' | 'logger' | 'redis' | 'sms'>;

/** Errcodes after which the next channel is tried. */
export const FALLBACK_ERRCODES: ReadonlySet<number> = new Set([43004, 43101, 40003]);
/** Daily quota reached: retry later, same channel. */
export const QUOTA_ERRCODE = 45009;
/** A claim (status sending) older than this belongs to a worker that stopped mid-send. */
export const CLAIM_LEASE_MS = 60_000;
/** Longest 45009 back-off. */
export const MAX_QUOTA_BACKOFF_MS = 6 * 3600_000;

export const TEACHER_ROUTE: readonly Channel[] = ['template', 'subscribe', 'sms'];
export const FAMILY_ROUTE: readonly Channel[] = ['subscribe', 'template', 'sms'];

export function routeFor(role: AccountRole): readonly Channel[] {
  return role === 'teacher' || role === 'school_admin' ? TEACHER_ROUTE : FAMILY_ROUTE;
}

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
  /** review.waiting: the teacher's digest (digests queue) speaks for it. */
  | { outcome: 'digest'; teacherId: string }
  | { outcome: 'missing' }
  | { outcome: 'not_sent'; reason: string };

const apis = new WeakMap<object, WechatApi>();

/** The WeChat transport of this context (built once: shared tokens, refresh single-flight). */
export function messagingWechatApi(ctx: MessagingContext): WechatApi {
  let api = apis.get(ctx);
  if (!api) {
    api = createWechatApi(ctx.config, { redis: ctx.redis, logger: ctx.logger });
    apis.set(ctx, api);
  }
  return api;
}

interface Recipient {
  id: string;
  role: AccountRole;
  status: string;
  mpOpenid: string | null;
  oaOpenid: string | null;
  /** Known from wechat_oa_users to have unfollowed the official account. */
  oaUnfollowed: boolean;
  phoneCipher: string | null;
}

async function loadRecipient(ctx: MessagingContext, accountId: string): Promise<Recipient | undefined> {
  const [row] = await ctx.db
    .select({
      id: accounts.id,
      role: accounts.role,
      status: accounts.status,
      mpOpenid: accounts.wechatMpOpenid,
      oaOpenid: accounts.wechatOaOpenid,
      linkedOaOpenid: wechatOaUsers.oaOpenid,
      linkedSubscribed: wechatOaUsers.subscribed,
      phoneCipher: accounts.phoneCipher,
    })
    .from(accounts)
    .leftJoin(wechatOaUsers, eq(wechatOaUsers.unionid, accounts.wechatUnionid))
    .where(eq(accounts.id, accountId));
  if (!row) return undefined;
  return {
    id: row.id,
    role: row.role,
    status: row.status,
    mpOpenid: row.mpOpenid,
    oaOpenid: row.oaOpenid ?? row.linkedOaOpenid,
    oaUnfollowed: row.linkedSubscribed === false && (row.oaOpenid === null || row.oaOpenid === row.linkedOaOpenid),
    phoneCipher: row.phoneCipher,
  };
}

interface Attempt {
  channel: Channel;
  templateId: string | null;
  pagePath: string | null;
  fields: MessageData | Record<string, string | number> | null;
  send: (deliveryId: string) => Promise<string | null>;
}

/** What the channel would send, or why it cannot (skipped). */
async function prepare(
  ctx: MessagingContext,
  channel: Channel,
  recipient: Recipient,
  content: MessageContent,
  pagePath: string | null,
): Promise<Attempt | { impossible: string; templateId: string | null }> {
  const templates = templatesOf(ctx.config, content.group);
  const api = messagingWechatApi(ctx);
  switch (channel) {
    case 'template': {
      if (!recipient.oaOpenid) return { impossible: 'no official-account openid', templateId: templates.template };
      if (recipient.oaUnfollowed) return { impossible: 'does not follow the official account', templateId: templates.template };
      const data = formatMessageData(content.fields, 'template');
      const touser = recipient.oaOpenid;
      return {
        channel,
        templateId: templates.template,
        pagePath,
        fields: data,
        send: async (deliveryId) => {
          const answer = await callWechat<{ msgid?: unknown }>(api, {
            method: 'POST',
            path: '/cgi-bin/message/template/send',
            token: 'oa',
            body: {
              touser,
              template_id: templates.template,
              ...(pagePath ? { miniprogram: { appid: ctx.config.WECHAT_MP_APPID, pagepath: pagePath } } : {}),
              client_msg_id: deliveryId,
              data,
            },
          });
          return answer.msgid === undefined ? null : String(answer.msgid);
        },
      };
    }
    case 'subscribe': {
      if (!recipient.mpOpenid) return { impossible: 'no mini-program openid', templateId: templates.subscribe };
      if ((await availableGrants(ctx.db, recipient.id, templates.subscribe)) <= 0) {
        return { impossible: 'no unused subscribe grant', templateId: templates.subscribe };
      }
      const data = formatMessageData(content.fields, 'subscribe');
      const touser = recipient.mpOpenid;
      return {
        channel,
        templateId: templates.subscribe,
        pagePath,
        fields: data,
        send: async () => {
          const answer = await callWechat<{ msgid?: unknown }>(api, {
            method: 'POST',
            path: '/cgi-bin/message/subscribe/send',
            token: 'mp',
            body: {
              touser,
              template_id: templates.subscribe,
              ...(pagePath ? { page: pagePath } : {}),
              miniprogram_state: ctx.config.WECHAT_MINIPROGRAM_STATE,
              lang: 'zh_CN',
              data,
            },
          });
          await consumeGrant(ctx.db, recipient.id, templates.subscribe).catch((err: unknown) => ctx.logger.warn({ err }, 'could not use up the subscribe grant'));
          return answer.msgid === undefined ? null : String(answer.msgid);
        },
      };
    }
    case 'sms': {
      const phone = recipient.phoneCipher ? phoneOf(ctx, recipient) : null;
      if (!phone) return { impossible: 'no phone number', templateId: content.sms.template };
      return {
        channel,
        templateId: content.sms.template,
        pagePath: null,
        fields: content.sms.params,
        send: async () => {
          await ctx.sms.send({ ...content.sms, phone } as Parameters<typeof ctx.sms.send>[0]);
          return null;
        },
      };
    }
  }
}

async function record(ctx: MessagingContext, id: string, set: Partial<typeof messageDeliveries.$inferInsert>): Promise<void> {
  await ctx.db
    .update(messageDeliveries)
    .set({ ...set, updatedAt: sql`now()` })
    .where(eq(messageDeliveries.id, id));
}

async function skip(
  ctx: MessagingContext,
  base: { notificationId: string; accountId: string; channel: Channel },
  detail: { templateId: string | null; errmsg: string; errcode?: number | null },
): Promise<void> {
  await ctx.db
    .insert(messageDeliveries)
    .values({ ...base, status: 'skipped', templateId: detail.templateId, errmsg: detail.errmsg, errcode: detail.errcode ?? null })
    .onConflictDoUpdate({
      target: [messageDeliveries.notificationId, messageDeliveries.channel],
      set: { status: 'skipped', errmsg: detail.errmsg, errcode: detail.errcode ?? null, updatedAt: sql`now()` },
      setWhere: sql`${messageDeliveries.status} = 'queued'`,
    });
}

/** Claim the channel's row for one send; undefined when another worker holds a fresh claim or the row moved on. */
async function claim(
  ctx: MessagingContext,
  base: { notificationId: string; accountId: string; channel: Channel },
  attempt: Attempt,
): Promise<DeliveryRow | undefined> {
  const values = {
    templateId: attempt.templateId,
    pagePath: attempt.pagePath,
    fields: attempt.fields,
  };
  const [row] = await ctx.db
    .insert(messageDeliveries)
    .values({ ...base, ...values, status: 'sending', attempts: 1 })
    .onConflictDoUpdate({
      target: [messageDeliveries.notificationId, messageDeliveries.channel],
      set: { ...values, status: 'sending', attempts: sql`${messageDeliveries.attempts} + 1`, updatedAt: sql`now()`, nextAttemptAt: null },
      setWhere: sql`${messageDeliveries.status} = 'queued' or (${messageDeliveries.status} = 'sending' and ${messageDeliveries.updatedAt} < now() - make_interval(secs => ${CLAIM_LEASE_MS / 1000}))`,
    })
    .returning();
  return row;
}

function quotaBackoffMs(ctx: MessagingContext, attempts: number): number {
  return Math.min(MAX_QUOTA_BACKOFF_MS, ctx.config.NOTIFY_QUOTA_RETRY_MS * 2 ** Math.max(0, attempts - 1));
}

/** Deliver one notification row; see the module comment. Throws RetryLaterError, WechatUnavailableError or a retryable SmsSendError to be retried. */
export async function deliverNotification(ctx: MessagingContext, notificationId: string): Promise<DeliveryOutcome> {
  const [notification] = await ctx.db.select().from(notifications).where(eq(notifications.id, notificationId));
  if (!notification) return { outcome: 'missing' };
  if (notification.kind === 'review.waiting') return { outcome: 'digest', teacherId: notification.accountId };

  const content = messageContent(notification.kind, notification.data as Record<string, unknown>, notification.createdAt);
  if (!content) return { outcome: 'not_sent', reason: `kind ${notification.kind} is not sent as a message` };
  const [recipient, existing] = await Promise.all([
    loadRecipient(ctx, notification.accountId),
    ctx.db.select().from(messageDeliveries).where(eq(messageDeliveries.notificationId, notificationId)),
  ]);
  if (!recipient) return { outcome: 'missing' };
  if (recipient.status === 'disabled') return { outcome: 'not_sent', reason: 'account disabled' };

  const byChannel = new Map(existing.map((d) => [d.channel, d]));
  const log = ctx.logger.child({ notificationId, kind: notification.kind });

  for (const channel of routeFor(recipient.role)) {
    const base = { notificationId, accountId: recipient.id, channel };
    const previous = byChannel.get(channel);
    if (previous?.status === 'sent') return { outcome: 'sent', channel, deliveryId: previous.id };
    if (previous?.status === 'failed') return { outcome: 'failed', channel, errcode: previous.errcode };
    if (previous?.status === 'skipped') continue;
    if (previous?.status === 'queued' && previous.nextAttemptAt && previous.nextAttemptAt.getTime() > Date.now()) {
      // Another job of the same notification is waiting out a 45009 back-off: so does this one.
      throw new RetryLaterError(previous.nextAttemptAt.getTime() - Date.now(), 'waiting for the quota back-off');
    }
    if (previous?.status === 'sending') {
      const age = Date.now() - previous.updatedAt.getTime();
      if (age < CLAIM_LEASE_MS) throw new RetryLaterError(CLAIM_LEASE_MS - age + 1_000, 'another worker is sending this message');
      if (channel !== 'template') {
        await record(ctx, previous.id, { status: 'failed', errmsg: 'outcome unknown: the worker stopped during the send; not re-sent (at most once)' });
        log.warn({ channel, deliveryId: previous.id }, 'message outcome unknown after a worker stopped mid-send; not re-sent');
        return { outcome: 'failed', channel, errcode: null };
      }
    }

    const attempt = await prepare(ctx, channel, recipient, content, notification.pagePath);
    if ('impossible' in attempt) {
      await skip(ctx, base, { templateId: attempt.templateId, errmsg: attempt.impossible });
      continue;
    }
    const row = await claim(ctx, base, attempt);
    if (!row) throw new RetryLaterError(5_000, 'the delivery row is claimed by another worker');
    if (row.attempts > ctx.config.NOTIFY_MAX_ATTEMPTS) {
      await record(ctx, row.id, { status: 'failed', errmsg: `gave up after ${row.attempts - 1} attempts: ${row.errmsg ?? ''}`.slice(0, 500) });
      return { outcome: 'failed', channel, errcode: row.errcode };
    }

    let msgid: string | null;
    try {
      msgid = await attempt.send(row.id);
    } catch (err) {
      if (err instanceof WechatApiError) {
        if (FALLBACK_ERRCODES.has(err.errcode)) {
          await record(ctx, row.id, { status: 'skipped', errcode: err.errcode, errmsg: err.errmsg.slice(0, 500) });
          if (err.errcode === 43101 && attempt.templateId) await clearGrants(ctx.db, recipient.id, attempt.templateId);
          log.info({ channel, errcode: err.errcode }, 'channel refused; trying the next one');
          continue;
        }
        if (err.errcode === QUOTA_ERRCODE) {
          const delayMs = quotaBackoffMs(ctx, row.attempts);
          await record(ctx, row.id, {
            status: 'queued',
            errcode: err.errcode,
            errmsg: err.errmsg.slice(0, 500),
            nextAttemptAt: new Date(Date.now() + delayMs),
          });
          log.warn({ channel, delayMs }, 'WeChat quota reached (45009); retrying later');
          throw new RetryLaterError(delayMs, 'WeChat quota reached (45009)');
        }
        if (TRANSIENT_ERRCODES.has(err.errcode)) {
          await record(ctx, row.id, { status: 'queued', errcode: err.errcode, errmsg: err.errmsg.slice(0, 500) });
          throw err;
        }
        await record(ctx, row.id, { status: 'failed', errcode: err.errcode, errmsg: err.errmsg.slice(0, 500) });
        log.error({ channel, errcode: err.errcode, errmsg: err.errmsg }, 'message refused permanently');
        return { outcome: 'failed', channel, errcode: err.errcode };
      }
      if (err instanceof WechatUnavailableError || (err instanceof SmsSendError && err.retryable)) {
        await record(ctx, row.id, { status: 'queued', errmsg: err.message.slice(0, 500) });
        throw err;
      }
      if (err instanceof SmsSendError) {
        await record(ctx, row.id, { status: 'failed', errmsg: `${err.providerCode}: ${err.message}`.slice(0, 500) });
        return { outcome: 'failed', channel, errcode: null };
      }
      // Unknown fault (database, bug): leave the row claimable and let the queue retry.
      await record(ctx, row.id, { status: 'queued', errmsg: String((err as Error)?.message ?? err).slice(0, 500) }).catch(() => undefined);
      throw err;
    }
    // Sent: from here on nothing may make the row claimable again. Should this write fail, the
    // row stays `sending`; a retry after the lease re-sends only template messages (same client_msg_id).
    await record(ctx, row.id, { status: 'sent', sentAt: new Date(), providerMessageId: msgid, errcode: null, errmsg: null });
    await markNoticeDelivered(ctx, notification.kind, notification.data as Record<string, unknown>, recipient.id).catch((err: unknown) =>
      log.warn({ err }, 'could not mark the notice recipient delivered'),
    );
    log.debug({ channel, deliveryId: row.id }, 'message sent');
    return { outcome: 'sent', channel, deliveryId: row.id };
  }
  return { outcome: 'undeliverable' };
}

/** Errcodes worth retrying on the same channel: tokens still refused after callWechat's refresh, system busy. */
export const TRANSIENT_ERRCODES: ReadonlySet<number> = new Set([-1, 40001, 42001, 40014]);

async function markNoticeDelivered(ctx: MessagingContext, kind: string, data: Record<string, unknown>, accountId: string): Promise<void> {
  if (kind !== 'notice.published' || typeof data.noticeId !== 'string') return;
  await ctx.db
    .update(noticeRecipients)
    .set({ deliveredAt: sql`now()` })
    .where(and(eq(noticeRecipients.noticeId, data.noticeId), eq(noticeRecipients.accountId, accountId), sql`${noticeRecipients.deliveredAt} is null`));
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
