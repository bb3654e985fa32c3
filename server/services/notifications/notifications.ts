/**
 * Notification rows: what a person should be told (approved, returned, …).
 * Every writer goes through writeNotification(s): the row and its delivery job
 * (a deliver-notification outbox row, server/outbox) are written together, so
 * the one outbox relay queues it and server/services/messaging delivers it
 * (WeChat template or subscribe message, SMS fallback) and records
 * message_deliveries. The notice fan-out writes its rows with batch delivery
 * jobs (`batchSize`).
 *
 * Writers run inside the transaction of the change they announce, so a
 * decision and its notification commit or roll back together. `dedup_key` makes
 * every writer idempotent: writing the same event twice keeps the first row.
 * Data holds ids, masked names, card numbers and reasons: never a plaintext ID
 * number or phone.
 */
import { desc } from 'drizzle-orm';
import { writeDeliveries } from '../../outbox/outbox';
import type { DbOrTx } from '../../db/client';
import { notifications } from '../../db/schema';

/**
 * review.waiting goes to the reviewing teacher (the first of a digest window
 * at once, later ones gathered into one review.digest); the others to the family. notice.* rows are written by the
 * notice fan-out.
 */
export type NotificationKind =
  | 'review.approved'
  | 'review.returned'
  | 'review.disputed'
  | 'review.waiting'
  | 'review.digest'
  | 'reconfirm.required'
  | 'reconfirm.reminder'
  | 'notice.published'
  | 'notice.reminder'
  | 'account.security';

export interface NotificationInput {
  accountId: string;
  kind: NotificationKind;
  /** Unique per event and recipient, e.g. `review.approved:<versionId>`. */
  dedupKey: string;
  data: Record<string, unknown>;
  /** Mini-program page the message opens, e.g. pages/status/index?studentId=… */
  pagePath: string | null;
  /** Account security notices: the phone the SMS goes to (encrypted, context notifications.sms_phone). */
  smsPhoneCipher?: string | null;
}

export type NotificationRow = typeof notifications.$inferSelect;

/** Insert the row and its delivery job unless a row with the same dedup key exists; true when inserted. */
export async function writeNotification(tx: DbOrTx, input: NotificationInput): Promise<boolean> {
  return (await writeNotifications(tx, [input])) > 0;
}

/**
 * writeNotification for many rows: one statement for the rows, one for their
 * delivery jobs; returns how many were inserted. With `batchSize`, the rows
 * share deliver-notifications jobs of that many rows each.
 */
export async function writeNotifications(tx: DbOrTx, inputs: readonly NotificationInput[], options: { batchSize?: number } = {}): Promise<number> {
  return (await writeNotificationRows(tx, inputs, options)).length;
}

/** writeNotifications, resolving with the ids of the rows inserted (a row whose dedup key exists is not, nor queued again). */
export async function writeNotificationRows(tx: DbOrTx, inputs: readonly NotificationInput[], options: { batchSize?: number } = {}): Promise<string[]> {
  if (inputs.length === 0) return [];
  const rows = await tx
    .insert(notifications)
    .values([...inputs])
    .onConflictDoNothing({ target: notifications.dedupKey })
    .returning({ id: notifications.id });
  const ids = rows.map((r) => r.id);
  await writeDeliveries(tx, ids, options);
  return ids;
}

/** The family's status page of one student: where review decisions lead. */
export function studentStatusPagePath(studentId: string): string {
  return `pages/status/index?studentId=${studentId}`;
}

/** The review page a teacher's message opens. */
export function reviewDetailPagePath(versionId: string): string {
  return `pages/review/detail?id=${versionId}`;
}

/**
 * The newest notification rows of every account (for the development inbox;
 * not an end-user API: it is not scoped to an account). `limit` is clamped to 1–200.
 */
export async function listRecentNotifications(db: DbOrTx, limit = 50): Promise<NotificationRow[]> {
  const n = Math.min(200, Math.max(1, Math.trunc(limit) || 1));
  return db.select().from(notifications).orderBy(desc(notifications.createdAt), desc(notifications.id)).limit(n);
}
