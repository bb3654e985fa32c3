/**
 * Housekeeping (job cleanup, daily): delete what has no use any more, in
 * bounded batches so a large backlog never holds long locks.
 *
 * - sessions that expired more than SESSION_RETENTION_DAYS ago, or were
 *   revoked (sign-out, password change) more than SESSION_RETENTION_DAYS ago;
 *   the 30 days keep recent sign-ins available to support look-ups;
 * - SMS challenges created more than SMS_CHALLENGE_RETENTION_HOURS ago (a code
 *   lives minutes; the rate limits look at the last hour or day);
 * - uploaded files: uploads that never completed (older than
 *   ABANDONED_UPLOAD_HOURS), review evidence ATTACHMENT_RETENTION_DAYS after a
 *   later submission of the student was decided, and registry uploads with
 *   their problems reports REGISTRY_UPLOAD_RETENTION_DAYS after the import
 *   ended (the import's history row stays, without its files).
 *
 * Each batch is one DELETE of at most `batchSize` rows (`for update skip
 * locked`, so a session being touched by a request is left for the next run).
 * A run stops after `maxBatches` batches per table; the next day's run goes on.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../server/context';
import { rowsOf } from '../../server/db/client';
import { removeDecidedEvidence } from '../../server/services/reviews/review-attachments';
import { removeEndedRegistryUploads } from '../../server/services/registry-import/registry-upload';

export const SESSION_RETENTION_DAYS = 30;
export const SMS_CHALLENGE_RETENTION_HOURS = 24;
/** An upload still unfinished after this long broke off (the largest registry file streams in minutes). */
export const ABANDONED_UPLOAD_HOURS = 24;

export interface CleanupOptions {
  /** Rows per DELETE; default 1,000. */
  batchSize?: number;
  /** Batches per table and run; default 1,000. */
  maxBatches?: number;
}

export interface CleanupResult {
  sessionsDeleted: number;
  smsChallengesDeleted: number;
  abandonedUploadsDeleted: number;
  reviewAttachmentsDeleted: number;
  registryUploadsDeleted: number;
}

export type CleanupContext = Pick<AppContext, 'db' | 'storage' | 'config'>;

async function deleteInBatches(
  ctx: Pick<AppContext, 'db'>,
  table: 'sessions' | 'sms_challenges',
  condition: SQL,
  batchSize: number,
  maxBatches: number,
): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxBatches; i += 1) {
    const deleted = rowsOf<{ id: string }>(
      await ctx.db.execute(sql`
        delete from ${sql.identifier(table)} where id in (
          select id from ${sql.identifier(table)} where ${condition} limit ${batchSize} for update skip locked)
        returning id`),
    ).length;
    total += deleted;
    if (deleted < batchSize) break;
  }
  return total;
}

export async function cleanupExpired(ctx: CleanupContext, options: CleanupOptions = {}): Promise<CleanupResult> {
  const batchSize = options.batchSize ?? 1_000;
  const maxBatches = options.maxBatches ?? 1_000;
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
  const abandonedUploadsDeleted = await ctx.storage.removeAbandoned(new Date(Date.now() - ABANDONED_UPLOAD_HOURS * 3600_000));
  const reviewAttachmentsDeleted = await removeDecidedEvidence(ctx, ctx.config.ATTACHMENT_RETENTION_DAYS, { batchSize, maxBatches });
  const registryUploadsDeleted = await removeEndedRegistryUploads(ctx, ctx.config.REGISTRY_UPLOAD_RETENTION_DAYS);
  return { sessionsDeleted, smsChallengesDeleted, abandonedUploadsDeleted, reviewAttachmentsDeleted, registryUploadsDeleted };
}
