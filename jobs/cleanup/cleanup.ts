/**
 * Housekeeping (job cleanup, daily): delete what has no use any more, and what
 * the retention periods (config, docs/OPERATIONS.md "Retention") say must go,
 * in bounded batches so a large backlog never holds long locks.
 *
 * - sessions that expired more than SESSION_RETENTION_DAYS ago, or were
 *   revoked (sign-out, password change) more than SESSION_RETENTION_DAYS ago;
 *   the 30 days keep recent sign-ins available to support look-ups;
 * - SMS challenges created more than SMS_CHALLENGE_RETENTION_HOURS ago (a code
 *   lives minutes; the rate limits look at the last hour or day);
 * - finished message deliveries (sent, failed, skipped) older than
 *   MESSAGE_DELIVERY_RETENTION_DAYS;
 * - notifications older than NOTIFICATION_RETENTION_DAYS, with their delivery
 *   records, once no delivery job of theirs waits in the outbox and no
 *   delivery is still queued or sending;
 * - relayed outbox rows older than OUTBOX_RETENTION_DAYS, except the
 *   registry-match rows of a version still waiting for its match (the sweeper
 *   counts them to stop re-queueing a poison version);
 * - closed recovery requests (rejected, cancelled, completed) closed more than
 *   RECOVERY_REQUEST_RETENTION_DAYS ago;
 * - audit rows older than AUDIT_LOG_RETENTION_DAYS (at least 180);
 * - the personal data of accounts whose cancellation cool-off ended
 *   (server/services/accounts/account-erasure.ts, one transaction each).
 *
 * Each batch is one DELETE of at most `batchSize` rows (`for update skip
 * locked`, so a row being touched by a request is left for the next run), its
 * own short transaction. A run stops after `maxBatches` batches per table; the
 * next day's run goes on. The age filters use BRIN indexes on the time columns
 * (cheap on these append-mostly tables).
 */
import { sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../server/context';
import { rowsOf } from '../../server/db/client';
import { eraseDueAccounts } from '../../server/services/accounts/account-erasure';

export const SESSION_RETENTION_DAYS = 30;
export const SMS_CHALLENGE_RETENTION_HOURS = 24;

export interface CleanupOptions {
  /** Rows per DELETE; default 1,000. */
  batchSize?: number;
  /** Batches per table and run; default 1,000. */
  maxBatches?: number;
}

export interface CleanupResult {
  sessionsDeleted: number;
  smsChallengesDeleted: number;
  messageDeliveriesDeleted: number;
  notificationsDeleted: number;
  outboxDeleted: number;
  recoveryRequestsDeleted: number;
  auditRowsDeleted: number;
  accountsErased: number;
}

export type CleanupContext = Pick<AppContext, 'db' | 'config'>;

type RetainedTable = 'sessions' | 'sms_challenges' | 'message_deliveries' | 'outbox' | 'recovery_requests' | 'audit_log';

/** `delete … where id in (<batch of ids matching condition>)`, batch after batch. */
async function deleteInBatches(ctx: Pick<AppContext, 'db'>, table: RetainedTable, condition: SQL, batchSize: number, maxBatches: number): Promise<number> {
  return repeatBatches(batchSize, maxBatches, async () =>
    rowsOf<{ id: string }>(
      await ctx.db.execute(sql`
        delete from ${sql.identifier(table)} where id in (
          select id from ${sql.identifier(table)} where ${condition} limit ${batchSize} for update skip locked)
        returning id`),
    ).length,
  );
}

async function repeatBatches(batchSize: number, maxBatches: number, batch: () => Promise<number>): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxBatches; i += 1) {
    const deleted = await batch();
    total += deleted;
    if (deleted < batchSize) break;
  }
  return total;
}

const olderThanDays = (column: SQL, days: number) => sql`${column} < now() - make_interval(days => ${days})`;

export async function cleanupExpired(ctx: CleanupContext & Partial<Pick<AppContext, 'logger'>>, options: CleanupOptions = {}): Promise<CleanupResult> {
  const batchSize = options.batchSize ?? ctx.config.RETENTION_BATCH_SIZE;
  const maxBatches = options.maxBatches ?? 1_000;
  const c = ctx.config;
  const sessionsDeleted = await deleteInBatches(
    ctx,
    'sessions',
    sql`expires_at < now() - make_interval(days => ${SESSION_RETENTION_DAYS})
      or (revoked_at is not null and revoked_at < now() - make_interval(days => ${SESSION_RETENTION_DAYS}))`,
    batchSize,
    maxBatches,
  );
  const smsChallengesDeleted = await deleteInBatches(
    ctx,
    'sms_challenges',
    sql`created_at < now() - make_interval(hours => ${SMS_CHALLENGE_RETENTION_HOURS})`,
    batchSize,
    maxBatches,
  );
  // A delivery still queued or sending is work in progress, whatever its age.
  const messageDeliveriesDeleted = await deleteInBatches(
    ctx,
    'message_deliveries',
    sql`${olderThanDays(sql`created_at`, c.MESSAGE_DELIVERY_RETENTION_DAYS)} and status in ('sent', 'failed', 'skipped')`,
    batchSize,
    maxBatches,
  );
  // A notification goes with its remaining delivery records (their foreign key), in one statement; one whose
  // delivery job still waits in the outbox (not yet relayed) is work in progress, whatever its age.
  const notificationsDeleted = await repeatBatches(batchSize, maxBatches, async () =>
    rowsOf<{ id: string }>(
      await ctx.db.execute(sql`
        with doomed as (
          select n.id from notifications n
           where ${olderThanDays(sql`n.created_at`, c.NOTIFICATION_RETENTION_DAYS)}
             and not exists (
               select 1 from outbox o
                where o.dispatched_at is null
                  and (o.payload->>'notificationId' = n.id::text or o.payload->'notificationIds' ? n.id::text))
             and not exists (select 1 from message_deliveries d where d.notification_id = n.id and d.status in ('queued', 'sending'))
           limit ${batchSize} for update skip locked),
        deliveries as (delete from message_deliveries d using doomed where d.notification_id = doomed.id)
        delete from notifications n using doomed where n.id = doomed.id
        returning n.id`),
    ).length,
  );
  const outboxDeleted = await deleteInBatches(
    ctx,
    'outbox',
    sql`${olderThanDays(sql`created_at`, c.OUTBOX_RETENTION_DAYS)} and dispatched_at is not null
      and not (queue = 'registry-match' and exists (
        select 1 from profile_versions v where v.id = (outbox.payload->>'profileVersionId')::uuid and v.status in ('submitted', 'matching')))`,
    batchSize,
    maxBatches,
  );
  const recoveryRequestsDeleted = await deleteInBatches(
    ctx,
    'recovery_requests',
    sql`status in ('rejected', 'cancelled', 'completed') and ${olderThanDays(sql`coalesce(closed_at, updated_at)`, c.RECOVERY_REQUEST_RETENTION_DAYS)}`,
    batchSize,
    maxBatches,
  );
  const auditRowsDeleted = await deleteInBatches(ctx, 'audit_log', olderThanDays(sql`at`, c.AUDIT_LOG_RETENTION_DAYS), batchSize, maxBatches);
  const accountsErased = await eraseDueAccounts(ctx);
  return { sessionsDeleted, smsChallengesDeleted, messageDeliveriesDeleted, notificationsDeleted, outboxDeleted, recoveryRequestsDeleted, auditRowsDeleted, accountsErased };
}
