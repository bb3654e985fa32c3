/**
 * The notice fan-out (notices-fanout queue): every family account of the
 * students of the notice's classes who hold a valid card (card-holders.ts:
 * approved, not revoked — whatever a later change's review status) gets a
 * notice_recipients row per student and one message per account. Students
 * approved later get the notices still live through ./catch-up.ts.
 *
 * Batches of NOTICE_FANOUT_BATCH_SIZE students in id order (keyset). A batch
 * is one transaction: insert notice_recipients (ON CONFLICT DO NOTHING) and
 * one notification row per account (kind notice.published, dedup key
 * notice.published:<noticeId>:<accountId>) through writeNotificationRows, which
 * writes the delivery jobs of the rows it inserted — deliver-notifications
 * outbox rows of NOTIFY_BATCH_SIZE rows each — in the same transaction; the
 * outbox relay queues them. A restart anywhere re-runs batches whose inserts
 * are no-ops and so write no second job: nobody is missed, nobody is queued
 * twice (and delivery claims the row of (notification, channel) before each
 * send anyway).
 *
 * A reminder (reminderId) does the same over the notice's recipients still
 * unread, with kind notice.reminder and dedup key per reminder and account.
 */
import { and, asc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { NoticeFanoutJob } from '../../../domain/jobs/payloads';
import { noticeDetailPage } from '../../../domain/messaging/messages';
import type { AppContext } from '../../context';
import { classes, noticeClasses, noticeRecipients, notices, students } from '../../db/schema';
import { holdsValidCard } from '../ecard/card-holders';
import { writeNotificationRows } from '../notifications/notifications';
import { classLabel } from './notices';

export type FanoutContext = Pick<AppContext, 'db' | 'config' | 'logger'>;

export interface FanoutOptions {
  batchSize?: number;
  /** Resume after this key (students.id, or notice_recipients.id for reminders). */
  startAfter?: string;
  /** Called after each batch is committed (its delivery jobs with it), with the resume key (the worker saves it as job progress). */
  onBatch?: (progress: { batch: number; cursor: string; recipients: number }) => Promise<void> | void;
  /** Test hook: called after the commit of a batch, before its progress is saved (a crash there). */
  afterCommit?: (batch: number) => Promise<void> | void;
}

export interface FanoutResult {
  recipients: number;
  queued: number;
  batches: number;
}

interface Target {
  key: string;
  studentId: string;
  accountId: string;
  classId: string | null;
}

export async function fanOutNotice(ctx: FanoutContext, job: NoticeFanoutJob, options: FanoutOptions = {}): Promise<FanoutResult> {
  const [notice] = await ctx.db.select().from(notices).where(eq(notices.id, job.noticeId));
  if (!notice) return { recipients: 0, queued: 0, batches: 0 };
  const batchSize = options.batchSize ?? ctx.config.NOTICE_FANOUT_BATCH_SIZE;
  const classRows = await ctx.db
    .select({ grade: classes.grade, name: classes.name })
    .from(noticeClasses)
    .innerJoin(classes, eq(classes.id, noticeClasses.classId))
    .where(eq(noticeClasses.noticeId, notice.id))
    .orderBy(asc(classes.grade), asc(classes.name));
  const classNames = classRows.map((c) => classLabel(c.grade, c.name));
  const reminder = job.reminderId !== undefined;
  const kind = reminder ? 'notice.reminder' : 'notice.published';
  const data = { ...noticeMessageData(notice, classNames), ...(reminder ? { reminderId: job.reminderId } : {}) };
  const dedupKey = (accountId: string) => (reminder ? `notice.reminder:${job.reminderId}:${accountId}` : publishedDedupKey(notice.id, accountId));

  let cursor = options.startAfter ?? null;
  const result: FanoutResult = { recipients: 0, queued: 0, batches: 0 };
  for (;;) {
    const targets = reminder ? await unreadBatch(ctx, notice.id, cursor, batchSize) : await studentBatch(ctx, notice.id, cursor, batchSize);
    if (targets.length === 0) break;
    const batch = result.batches + 1;
    const accountIds = [...new Set(targets.map((t) => t.accountId))];

    result.queued += await ctx.db.transaction(async (tx) => {
      if (!reminder) {
        const inserted = await tx
          .insert(noticeRecipients)
          .values(targets.map((t) => ({ noticeId: notice.id, accountId: t.accountId, studentId: t.studentId, classId: t.classId })))
          .onConflictDoNothing({ target: [noticeRecipients.noticeId, noticeRecipients.accountId, noticeRecipients.studentId] })
          .returning({ id: noticeRecipients.id });
        result.recipients += inserted.length;
      }
      const ids = await writeNotificationRows(
        tx,
        accountIds.map((accountId) => ({ accountId, kind, dedupKey: dedupKey(accountId), data, pagePath: noticeDetailPage(notice.id) })),
        { batchSize: ctx.config.NOTIFY_BATCH_SIZE },
      );
      return ids.length;
    });
    await options.afterCommit?.(batch);
    result.batches = batch;
    cursor = targets[targets.length - 1]!.key;
    await options.onBatch?.({ batch, cursor, recipients: result.recipients });
    if (targets.length < batchSize) break;
  }
  if (!reminder) await ctx.db.update(notices).set({ fanoutCompletedAt: sql`now()` }).where(and(eq(notices.id, notice.id), isNull(notices.fanoutCompletedAt)));
  ctx.logger.info({ noticeId: notice.id, reminderId: job.reminderId, ...result }, 'notice fan-out done');
  return result;
}

/** What the notice.published / notice.reminder message says of the notice. */
export function noticeMessageData(notice: typeof notices.$inferSelect, classNames: string[]) {
  return {
    noticeId: notice.id,
    title: notice.title,
    type: notice.type,
    dueDate: notice.dueDate ?? null,
    requiresConfirmation: notice.requiresConfirmation,
    classNames: classNames.length > 2 ? `${classNames.slice(0, 2).join('、')}等` : classNames.join('、'),
  };
}

/** One notice.published message per notice and family account, whoever writes it (fan-out or catch-up). */
export function publishedDedupKey(noticeId: string, accountId: string): string {
  return `notice.published:${noticeId}:${accountId}`;
}

async function studentBatch(ctx: FanoutContext, noticeId: string, after: string | null, limit: number): Promise<Target[]> {
  const rows = await ctx.db
    .select({ studentId: students.id, accountId: students.familyAccountId, classId: students.classId })
    .from(students)
    .innerJoin(noticeClasses, and(eq(noticeClasses.classId, students.classId), eq(noticeClasses.noticeId, noticeId)))
    .where(and(holdsValidCard(), after ? gt(students.id, after) : undefined))
    .orderBy(asc(students.id))
    .limit(limit);
  return rows.map((r) => ({ key: r.studentId, ...r }));
}

async function unreadBatch(ctx: FanoutContext, noticeId: string, after: string | null, limit: number): Promise<Target[]> {
  const rows = await ctx.db
    .select({ id: noticeRecipients.id, studentId: noticeRecipients.studentId, accountId: noticeRecipients.accountId, classId: noticeRecipients.classId })
    .from(noticeRecipients)
    .innerJoin(students, eq(students.id, noticeRecipients.studentId))
    .where(and(eq(noticeRecipients.noticeId, noticeId), isNull(noticeRecipients.readAt), holdsValidCard(), after ? gt(noticeRecipients.id, Number(after)) : undefined))
    .orderBy(asc(noticeRecipients.id))
    .limit(limit);
  return rows.map((r) => ({ key: String(r.id), studentId: r.studentId, accountId: r.accountId, classId: r.classId }));
}
