/**
 * The message_deliveries statements, each for many rows at once:
 *
 * - `claimDeliveries`: take the rows of (notification, channel) for a send —
 *   insert them as `sending`, or move an existing row that is `queued`, or
 *   `sending` past the lease (a worker that died mid-send), to `sending` with
 *   one more attempt. Rows held by someone else are not returned.
 * - `skipDeliveries`: record channels that are impossible for the recipient.
 * - `DeliveryRecorder`: the outcomes of sends (sent, failed, skipped, queued
 *   for a retry), written together with their side effects — the subscribe
 *   grants used up or reset (43101) and the notice recipients marked
 *   delivered — in one statement, so a sent row and its grant change commit
 *   together. Outcomes of concurrent sends are written together (a group
 *   commit: what arrives during one write goes in the next).
 */
import { sql } from 'drizzle-orm';
import { rowsOf, type Db as Database } from '../../db/client';
import { messageDeliveries } from '../../db/schema';
import type { Channel } from './channels';
import { instrument } from '../../metrics/events';

export type DeliveryRow = typeof messageDeliveries.$inferSelect;

/** A claim (status sending) older than this belongs to a worker that stopped mid-send. */
export const CLAIM_LEASE_MS = 60_000;

type Db = { db: Database };

export interface DeliveryKey {
  notificationId: string;
  accountId: string;
  channel: Channel;
}

export function deliveryKey(notificationId: string, channel: Channel): string {
  return `${notificationId}:${channel}`;
}

export interface ClaimRequest extends DeliveryKey {
  templateId: string | null;
  pagePath: string | null;
  fields: unknown;
}

/** The columns of a claimed row the sender needs. */
export interface ClaimedRow {
  id: string;
  notificationId: string;
  channel: Channel;
  /** Sends of this row so far, this one included. */
  attempts: number;
  errcode: number | null;
  errmsg: string | null;
}

/**
 * Claim the rows for one send each, in one statement whose text does not
 * depend on the number of rows (the values travel as arrays); the map holds
 * the rows claimed, by deliveryKey.
 */
export async function claimDeliveries(ctx: Db, requests: readonly ClaimRequest[]): Promise<Map<string, ClaimedRow>> {
  if (requests.length === 0) return new Map();
  const column = <T>(pick: (r: ClaimRequest) => T) => sql.param(requests.map(pick));
  const result = await ctx.db.execute(sql`
    insert into message_deliveries as m (notification_id, account_id, channel, template_id, page_path, fields, status, attempts)
    select u.notification_id, u.account_id, u.channel, u.template_id, u.page_path, u.fields::jsonb, 'sending', 1
    from unnest(
      ${column((r) => r.notificationId)}::uuid[], ${column((r) => r.accountId)}::uuid[], ${column((r) => r.channel)}::text[],
      ${column((r) => r.templateId)}::text[], ${column((r) => r.pagePath)}::text[], ${column((r) => (r.fields === null || r.fields === undefined ? null : JSON.stringify(r.fields)))}::text[]
    ) as u (notification_id, account_id, channel, template_id, page_path, fields)
    on conflict (notification_id, channel) do update set
      template_id = excluded.template_id,
      page_path = excluded.page_path,
      fields = excluded.fields,
      status = 'sending',
      attempts = m.attempts + 1,
      updated_at = now(),
      next_attempt_at = null
    where m.status = 'queued' or (m.status = 'sending' and m.updated_at < now() - make_interval(secs => ${CLAIM_LEASE_MS / 1000}))
    returning m.id, m.notification_id, m.channel, m.attempts, m.errcode, m.errmsg`);
  const rows = rowsOf<{ id: string; notification_id: string; channel: Channel; attempts: number; errcode: number | null; errmsg: string | null }>(result);
  return new Map(
    rows.map((r) => [
      deliveryKey(r.notification_id, r.channel),
      { id: r.id, notificationId: r.notification_id, channel: r.channel, attempts: Number(r.attempts), errcode: r.errcode === null ? null : Number(r.errcode), errmsg: r.errmsg },
    ]),
  );
}

export interface SkipRow extends DeliveryKey {
  templateId: string | null;
  errmsg: string;
  errcode?: number | null;
}

/** Record impossible channels as skipped (a row still queued from an earlier attempt becomes skipped too). */
export async function skipDeliveries(ctx: Db, rows: readonly SkipRow[]): Promise<void> {
  if (rows.length === 0) return;
  await ctx.db
    .insert(messageDeliveries)
    .values(
      rows.map((r, i) => ({
        notificationId: r.notificationId,
        accountId: r.accountId,
        channel: r.channel,
        // One statement shares one now(): a microsecond apart keeps the route's order in created_at.
        createdAt: sql`now() + make_interval(secs => ${i / 1e6})`,
        status: 'skipped' as const,
        templateId: r.templateId,
        errmsg: r.errmsg,
        errcode: r.errcode ?? null,
      })),
    )
    .onConflictDoUpdate({
      target: [messageDeliveries.notificationId, messageDeliveries.channel],
      set: { status: 'skipped', errmsg: sql`excluded.errmsg`, errcode: sql`excluded.errcode`, updatedAt: sql`now()` },
      setWhere: sql`${messageDeliveries.status} = 'queued'`,
    });
  const counts = new Map<string, { channel: string; errcode: number | null; count: number }>();
  for (const r of rows) {
    const key = `${r.channel}/${r.errcode ?? ''}`;
    const entry = counts.get(key) ?? { channel: r.channel, errcode: r.errcode ?? null, count: 0 };
    entry.count += 1;
    counts.set(key, entry);
  }
  for (const { channel, errcode, count } of counts.values()) {
    instrument.delivery({ channel, status: 'skipped', errcode, count });
  }
}

/** The outcome of one delivery row, and what it changes beside the row. */
export interface DeliveryRecord {
  deliveryId: string;
  status: 'sent' | 'failed' | 'skipped' | 'queued';
  errcode: number | null;
  errmsg: string | null;
  /** WeChat's msgid of a sent message. */
  providerMessageId?: string | null;
  /** Queued for a 45009 back-off: not before then. */
  nextAttemptAt?: Date | null;
  /** A sent subscribe message uses up one grant of this account and template. */
  useGrant?: { accountId: string; templateId: string };
  /** 43101: the account's grants of this template are not what we counted; start again from 0. */
  clearGrants?: { accountId: string; templateId: string };
  /** A sent notice message: the recipient row's delivered_at. */
  noticeDelivered?: { noticeId: string; accountId: string };
}

/** Write the records (and their grant and notice side effects) in one statement of constant text (the values travel as arrays). */
export async function writeDeliveryRecords(ctx: Db, records: readonly DeliveryRecord[]): Promise<void> {
  if (records.length === 0) return;
  // One change per grant row: a reset wins over uses, uses of the same grant add up.
  const grants = new Map<string, { accountId: string; templateId: string; used: number; clear: boolean }>();
  for (const r of records) {
    const g = r.clearGrants ?? r.useGrant;
    if (!g) continue;
    const key = `${g.accountId}:${g.templateId}`;
    const entry = grants.get(key) ?? { accountId: g.accountId, templateId: g.templateId, used: 0, clear: false };
    if (r.clearGrants) entry.clear = true;
    else entry.used += 1;
    grants.set(key, entry);
  }
  const delivered = new Map<string, { noticeId: string; accountId: string }>();
  for (const r of records) if (r.noticeDelivered) delivered.set(`${r.noticeDelivered.noticeId}:${r.noticeDelivered.accountId}`, r.noticeDelivered);

  const list = <T, U>(items: Iterable<T>, pick: (item: T) => U) => sql.param([...items].map(pick));
  const result = await ctx.db.execute(sql`
    with v as (
      select * from unnest(
        ${list(records, (r) => r.deliveryId)}::uuid[], ${list(records, (r) => r.status)}::text[], ${list(records, (r) => r.errcode)}::int[],
        ${list(records, (r) => (r.errmsg === null ? null : r.errmsg.slice(0, 500)))}::text[], ${list(records, (r) => r.providerMessageId ?? null)}::text[],
        ${list(records, (r) => (r.nextAttemptAt ? r.nextAttemptAt.toISOString() : null))}::timestamptz[]
      ) as v (id, status, errcode, errmsg, msgid, next_attempt_at)
    ),
    d as (
      update message_deliveries m set
        status = v.status,
        errcode = v.errcode,
        errmsg = v.errmsg,
        provider_message_id = case when v.status = 'sent' then v.msgid else m.provider_message_id end,
        sent_at = case when v.status = 'sent' then now() else m.sent_at end,
        next_attempt_at = v.next_attempt_at,
        updated_at = now()
      from v where m.id = v.id
      returning m.id, m.channel, v.status, v.errcode
    ),
    g as (
      select * from unnest(
        ${list(grants.values(), (g) => g.accountId)}::uuid[], ${list(grants.values(), (g) => g.templateId)}::text[],
        ${list(grants.values(), (g) => g.used)}::int[], ${list(grants.values(), (g) => g.clear)}::boolean[]
      ) as g (account_id, template_id, used, clear)
    ),
    gu as (
      update subscription_grants s set
        available = case when g.clear then 0 else greatest(0, s.available - g.used) end,
        updated_at = now()
      from g where s.account_id = g.account_id and s.template_id = g.template_id and (g.clear or s.available > 0)
      returning 1
    ),
    r as (
      select * from unnest(${list(delivered.values(), (n) => n.noticeId)}::uuid[], ${list(delivered.values(), (n) => n.accountId)}::uuid[]) as r (notice_id, account_id)
    ),
    ru as (
      update notice_recipients n set delivered_at = now()
      from r where n.notice_id = r.notice_id and n.account_id = r.account_id and n.delivered_at is null
      returning 1
    )
    select channel, status, errcode, count(*)::int as n from d group by channel, status, errcode`);
  for (const row of rowsOf<{ channel: string; status: string; errcode: number | null; n: number }>(result)) {
    instrument.delivery({ channel: row.channel, status: row.status, errcode: row.errcode === null ? null : Number(row.errcode), count: Number(row.n) });
  }
}

/** Most records written by one statement. */
export const FLUSH_SIZE = 500;

interface Waiting {
  records: readonly DeliveryRecord[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Collects the records of concurrent sends of one process and writes them in
 * batches, like a group commit: a record arriving while no write is running
 * is written at once (after the current tick, with whatever else arrived in
 * it); records arriving during a write wait for it and go together in the
 * next one. The busier the process, the larger the batches.
 */
export class DeliveryRecorder {
  private waiting: Waiting[] = [];
  private writing = false;
  private scheduled = false;
  private readonly drained: (() => void)[] = [];

  constructor(private readonly ctx: Db) {}

  /** Resolves once the records are written; rejects when their statement failed. */
  record(records: readonly DeliveryRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ records, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once every record handed in so far is written (or failed): closing the process loses none. */
  drain(): Promise<void> {
    if (!this.writing && !this.scheduled && this.waiting.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.drained.push(resolve));
  }

  private schedule(): void {
    if (!this.writing && !this.scheduled && this.waiting.length === 0) {
      for (const resolve of this.drained.splice(0)) resolve();
      return;
    }
    if (this.writing || this.scheduled || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.write();
    });
  }

  private async write(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    const batch: Waiting[] = [];
    let size = 0;
    while (this.waiting.length > 0 && size < FLUSH_SIZE) {
      const next = this.waiting.shift()!;
      batch.push(next);
      size += next.records.length;
    }
    try {
      await writeDeliveryRecords(
        this.ctx,
        batch.flatMap((w) => w.records),
      );
      for (const w of batch) w.resolve();
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      this.writing = false;
      this.schedule();
    }
  }
}
