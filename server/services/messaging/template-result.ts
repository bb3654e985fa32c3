/**
 * The official account's push of a template message's fate: WeChat answers
 * template/send with a msgid at once, and posts the outcome later to our
 * message-push URL as the event TEMPLATESENDJOBFINISH with Status `success`,
 * `failed:user block` (the follower refused the account's messages) or
 * `failed: system failed`. The push is signed like every message push:
 * signature = sha1 of the sorted [Token, timestamp, nonce], joined.
 *
 * A failure is a delivery outcome like an errcode answered at once: the
 * template row (found by its msgid, still `sent`) becomes `skipped` with the
 * status as errmsg, and a deliver-notification job is written in the same
 * transaction; that job walks the route on from the template channel (the next
 * one: subscribe for a teacher, SMS for a family), so the fallback is the
 * existing one. WeChat repeats a push it got no answer to: the row is only
 * moved while it is `sent`, so a repeated push writes no second job and
 * nothing is sent twice. `success` changes nothing (the row already says sent).
 * A push can overtake the recording of the send's answer: a msgid without its
 * row is looked up again for a moment before it is taken as not ours.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { and, eq, ne, sql } from 'drizzle-orm';
import { messageDeliveries } from '../../db/schema';
import { writeDeliveries } from '../../outbox/outbox';
import type { MessagingDeps } from './messaging-deps';

export const TEMPLATE_SEND_RESULT_EVENT = 'TEMPLATESENDJOBFINISH';

/** A message push older than this (or this far in the future) is refused: a replay. */
export const PUSH_MAX_AGE_S = 300;

export interface PushQuery {
  signature?: string;
  timestamp?: string;
  nonce?: string;
}

/** The signature WeChat puts on a message push (and on the URL check). */
export function pushSignature(token: string, timestamp: string, nonce: string): string {
  return createHash('sha1').update([token, timestamp, nonce].sort().join('')).digest('hex');
}

/** True when the query carries a valid signature of a recent push. */
export function verifyPush(token: string, query: PushQuery, nowMs = Date.now()): boolean {
  const { signature, timestamp, nonce } = query;
  if (!signature || !timestamp || !nonce || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > PUSH_MAX_AGE_S) return false;
  const expected = Buffer.from(pushSignature(token, timestamp, nonce));
  const given = Buffer.from(signature.toLowerCase());
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The fields of a pushed XML message (`<Tag><![CDATA[value]]></Tag>` or `<Tag>value</Tag>`), one level deep. */
export function parsePushXml(xml: string): Record<string, string> {
  const fields: Record<string, string> = {};
  const body = /<xml>([\s\S]*)<\/xml>/.exec(xml)?.[1];
  if (!body) return fields;
  for (const match of body.matchAll(/<([A-Za-z][A-Za-z0-9_]*)>(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*))<\/\1>/g)) {
    fields[match[1]!] = match[2] ?? match[3] ?? '';
  }
  return fields;
}

export type TemplateResultOutcome =
  /** `success`: nothing to do. */
  | { outcome: 'confirmed' }
  /** Failed: the row is skipped and the next channel is queued. */
  | { outcome: 'fallback'; notificationId: string }
  /** Our template row of this msgid has moved on already (skipped: a repeated push): nothing to do. */
  | { outcome: 'repeated' }
  /** No template row with this msgid yet (its send's answer not recorded yet, or not ours): WeChat should push it again. */
  | { outcome: 'unknown' };

/**
 * How often, and how far apart, a push whose msgid has no `sent` row yet is looked up again: the push can
 * arrive before the worker has recorded the send's answer (the delivery recorder writes in batches, within
 * milliseconds). Within WeChat's 5 s answer budget.
 */
export const UNRECORDED_LOOKUPS = 6;
export const UNRECORDED_LOOKUP_GAP_MS = 250;

/** Record one TEMPLATESENDJOBFINISH push; see the module comment. */
export async function recordTemplateResult(
  ctx: Pick<MessagingDeps, 'db' | 'logger'>,
  event: { msgId: string; status: string },
  options: { lookups?: number; gapMs?: number } = {},
): Promise<TemplateResultOutcome> {
  if (event.status === 'success') return { outcome: 'confirmed' };
  const lookups = options.lookups ?? UNRECORDED_LOOKUPS;
  for (let i = 1; ; i += 1) {
    const outcome = await moveToNextChannel(ctx, event);
    if (outcome.outcome !== 'unknown' || i >= lookups) return outcome;
    await new Promise((resolve) => setTimeout(resolve, options.gapMs ?? UNRECORDED_LOOKUP_GAP_MS));
  }
}

async function moveToNextChannel(ctx: Pick<MessagingDeps, 'db' | 'logger'>, event: { msgId: string; status: string }): Promise<TemplateResultOutcome> {
  const errmsg = `${TEMPLATE_SEND_RESULT_EVENT} ${event.status}`.slice(0, 500);
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(messageDeliveries)
      .set({ status: 'skipped', errmsg, updatedAt: sql`now()` })
      .where(and(eq(messageDeliveries.channel, 'template'), eq(messageDeliveries.providerMessageId, event.msgId), eq(messageDeliveries.status, 'sent')))
      .returning({ id: messageDeliveries.id, notificationId: messageDeliveries.notificationId });
    if (!row) {
      const [known] = await tx
        .select({ id: messageDeliveries.id })
        .from(messageDeliveries)
        .where(and(eq(messageDeliveries.channel, 'template'), eq(messageDeliveries.providerMessageId, event.msgId), ne(messageDeliveries.status, 'sent')))
        .limit(1);
      return known ? ({ outcome: 'repeated' } as const) : ({ outcome: 'unknown' } as const);
    }
    await writeDeliveries(tx, [row.notificationId]);
    ctx.logger.info({ deliveryId: row.id, notificationId: row.notificationId, status: event.status }, 'template message not delivered; trying the next channel');
    return { outcome: 'fallback', notificationId: row.notificationId } as const;
  });
}
