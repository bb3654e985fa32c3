/**
 * The transactional outbox, the one way background work is made: every
 * producer records its job here in the same transaction as the change that
 * needs it, so a crash or a Redis outage can delay the work but never lose it.
 * jobs/outbox-relay moves the rows into BullMQ; this module alone says what a
 * row becomes there: its queue, its job name (OUTBOX_JOBS in
 * domain/jobs/payloads.ts), its job id (`outbox-<id>`) and its options.
 *
 * - `writeOutbox` / `writeOutboxRows`: one row / many rows in one statement;
 * - `outboxInsert`: the same row as a SQL statement, for a writer whose
 *   changes are one data-modifying statement (the submission's CTEs);
 * - `writeDeliveries`: the delivery jobs of notification rows just written;
 * - `relayedJob`: what the relay adds for a claimed row.
 *
 * A delay is `availableAt`: the relay leaves the row alone until then, so a
 * delayed job waits in PostgreSQL, not in Redis.
 */
import { sql, type SQL } from 'drizzle-orm';
import { OUTBOX_JOBS, type OutboxJobName, type OutboxJobPayload, type QueueName } from '../../domain/jobs/payloads';
import type { DbOrTx } from '../db/client';
import { outbox } from '../db/schema';

export type { OutboxJobName, OutboxJobPayload };

export interface OutboxEntry<J extends OutboxJobName = OutboxJobName> {
  job: J;
  payload: OutboxJobPayload<J>;
  /** Not relayed before this moment (a delayed job). */
  availableAt?: Date;
}

function rowOf<J extends OutboxJobName>(entry: OutboxEntry<J>) {
  const definition = OUTBOX_JOBS[entry.job];
  const payload = definition.schema.parse(entry.payload) as unknown;
  return { queue: definition.queue, job: entry.job, payload, ...(entry.availableAt ? { availableAt: entry.availableAt } : {}) };
}

/** Record one job; resolves with its outbox id. */
export async function writeOutbox<J extends OutboxJobName>(tx: DbOrTx, job: J, payload: OutboxJobPayload<J>, options: { availableAt?: Date } = {}): Promise<number> {
  const [id] = await writeOutboxRows(tx, [{ job, payload, ...options }]);
  return id!;
}

/** Record many jobs in one statement; resolves with their outbox ids, in order. */
export async function writeOutboxRows(tx: DbOrTx, entries: readonly OutboxEntry[]): Promise<number[]> {
  if (entries.length === 0) return [];
  const rows = await tx.insert(outbox).values(entries.map(rowOf)).returning({ id: outbox.id });
  return rows.map((r) => r.id);
}

/**
 * The outbox row of one job as an INSERT statement, to be one of the CTEs of
 * a writer's single data-modifying statement (`with …, outbox_row as (${outboxInsert(…)}) …`).
 */
export function outboxInsert<J extends OutboxJobName>(job: J, payload: OutboxJobPayload<J>): SQL {
  const row = rowOf({ job, payload });
  return sql`insert into ${outbox} (queue, job, payload) values (${row.queue}, ${row.job}, ${JSON.stringify(row.payload)}::jsonb)`;
}

/**
 * The delivery jobs of notification rows written in this transaction: one
 * deliver-notification job per row, or, with `batchSize` (the notice fan-out),
 * deliver-notifications jobs of up to batchSize rows each.
 */
export async function writeDeliveries(tx: DbOrTx, notificationIds: readonly string[], options: { batchSize?: number; availableAt?: Date } = {}): Promise<number[]> {
  const at = options.availableAt ? { availableAt: options.availableAt } : {};
  const entries: OutboxEntry[] = [];
  if (options.batchSize && options.batchSize > 1) {
    for (let start = 0; start < notificationIds.length; start += options.batchSize) {
      entries.push({ job: 'deliver-notifications', payload: { notificationIds: notificationIds.slice(start, start + options.batchSize) }, ...at });
    }
  } else {
    for (const notificationId of notificationIds) entries.push({ job: 'deliver-notification', payload: { notificationId }, ...at });
  }
  return writeOutboxRows(tx, entries);
}

/** BullMQ job id of an outbox row (ids must not contain ':' or be digits only); the only job id of the system. */
export function outboxJobId(outboxId: number): string {
  return `outbox-${outboxId}`;
}

/** A claimed outbox row, as the relay reads it. */
export interface OutboxRow {
  id: number;
  queue: string;
  job: string | null;
  payload: unknown;
}

/** What the relay adds for a row: queue, job name, data and options; undefined for a job this version does not know. */
export function relayedJob(row: OutboxRow): { queue: QueueName; name: OutboxJobName; data: unknown; opts: { jobId: string } } | undefined {
  // Rows written by SQL of their own (the console-stats triggers) name only the queue: their job is named like it.
  const name = row.job ?? row.queue;
  if (!Object.prototype.hasOwnProperty.call(OUTBOX_JOBS, name)) return undefined;
  const definition = OUTBOX_JOBS[name as OutboxJobName];
  if (definition.queue !== row.queue) return undefined;
  return { queue: definition.queue, name: name as OutboxJobName, data: row.payload, opts: { jobId: outboxJobId(row.id) } };
}
