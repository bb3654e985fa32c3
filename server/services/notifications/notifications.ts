/**
 * Notification rows: what a person should be told (approved, returned, …).
 * This module only writes and reads the rows. Delivery is triggered by the row
 * itself: a new row has dispatched_at null, and the notification relay
 * (jobs/notifications/notification-relay.ts) queues every such row — from
 * writeNotification or from a bulk insert (semester reset, reminders) — into
 * the notifications queue; server/services/messaging delivers it (WeChat
 * template or subscribe message, SMS fallback) and records message_deliveries.
 * A row written with dispatched_at set is queued by its writer (the notice
 * fan-out, the teacher digest).
 *
 * Writers run inside the transaction of the change they announce, so a
 * decision and its notification commit or roll back together. `dedup_key` makes
 * every writer idempotent: writing the same event twice keeps the first row.
 * Data holds ids, masked names, card numbers and reasons: never a plaintext ID
 * number or phone.
 */
import { desc } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { notifications } from '../../db/schema';

/**
 * review.waiting goes to the reviewing teacher (delivered as the debounced
 * review.digest); the others to the family. notice.* rows are written by the
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
  | 'account.security'
  | 'staff.invitation';

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

/** Insert the row unless one with the same dedup key exists; true when inserted. */
export async function writeNotification(tx: DbOrTx, input: NotificationInput): Promise<boolean> {
  const rows = await tx
    .insert(notifications)
    .values(input)
    .onConflictDoNothing({ target: notifications.dedupKey })
    .returning({ id: notifications.id });
  return rows.length > 0;
}

/** writeNotification for many rows in one statement (batch writers); returns how many were inserted. */
export async function writeNotifications(tx: DbOrTx, inputs: readonly NotificationInput[]): Promise<number> {
  if (inputs.length === 0) return 0;
  const rows = await tx
    .insert(notifications)
    .values([...inputs])
    .onConflictDoNothing({ target: notifications.dedupKey })
    .returning({ id: notifications.id });
  return rows.length;
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
