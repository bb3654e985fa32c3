/**
 * Notices for a student who starts holding a valid card in a class after the
 * notice was published (first approval, or an approved class change): every
 * notice of the class still live (domain/api/notices.ts NOTICE_LIVE_DAYS:
 * due today or later, or published within the window when it has no due date)
 * gets a notice_recipients row for the student and one notice.published
 * message per family account, as the fan-out would have written them.
 *
 * Runs in the approval's transaction (review-approval.ts), so a rolled-back
 * approval adds nobody. Idempotent: the rows and the messages are ON CONFLICT
 * DO NOTHING on the same keys as the fan-out's, so a notice the fan-out is
 * still working through is neither doubled nor missed. The message rows are
 * dispatched by the relay of undispatched notifications.
 */
import { and, asc, eq, gte, inArray, isNull, or } from 'drizzle-orm';
import { NOTICE_LIVE_DAYS } from '../../../domain/api/notices';
import { noticeDetailPage } from '../../../domain/messaging/messages';
import { chinaDate, formatCalendarDate } from '../../../domain/time/calendar-date';
import type { DbOrTx } from '../../db/client';
import { classes, noticeClasses, noticeRecipients, notices, students } from '../../db/schema';
import { holdsValidCard } from '../ecard/card-holders';
import { writeNotifications } from '../notifications/notifications';
import { noticeMessageData, publishedDedupKey } from './fanout';
import { classLabel } from './notices';

export async function addLiveNoticeRecipients(tx: DbOrTx, studentIds: readonly string[], now: Date = new Date()): Promise<number> {
  if (studentIds.length === 0) return 0;
  const today = formatCalendarDate(chinaDate(now));
  const since = new Date(now.getTime() - NOTICE_LIVE_DAYS * 86_400_000);
  const live = or(gte(notices.dueDate, today), and(isNull(notices.dueDate), gte(notices.createdAt, since)));
  const targets = await tx
    .select({ notice: notices, studentId: students.id, accountId: students.familyAccountId, classId: students.classId })
    .from(students)
    .innerJoin(noticeClasses, eq(noticeClasses.classId, students.classId))
    .innerJoin(notices, eq(notices.id, noticeClasses.noticeId))
    .where(and(inArray(students.id, [...studentIds]), holdsValidCard(), live))
    .orderBy(asc(notices.createdAt));
  if (targets.length === 0) return 0;

  const inserted = await tx
    .insert(noticeRecipients)
    .values(targets.map((t) => ({ noticeId: t.notice.id, accountId: t.accountId, studentId: t.studentId, classId: t.classId })))
    .onConflictDoNothing({ target: [noticeRecipients.noticeId, noticeRecipients.accountId, noticeRecipients.studentId] })
    .returning({ noticeId: noticeRecipients.noticeId, accountId: noticeRecipients.accountId });
  if (inserted.length === 0) return 0;

  const noticeIds = [...new Set(inserted.map((r) => r.noticeId))];
  const classRows = await tx
    .select({ noticeId: noticeClasses.noticeId, grade: classes.grade, name: classes.name })
    .from(noticeClasses)
    .innerJoin(classes, eq(classes.id, noticeClasses.classId))
    .where(inArray(noticeClasses.noticeId, noticeIds))
    .orderBy(asc(classes.grade), asc(classes.name));
  const classNames = new Map<string, string[]>();
  for (const c of classRows) classNames.set(c.noticeId, [...(classNames.get(c.noticeId) ?? []), classLabel(c.grade, c.name)]);
  const noticeOf = new Map(targets.map((t) => [t.notice.id, t.notice]));
  const messages = new Map<string, { noticeId: string; accountId: string }>();
  for (const r of inserted) messages.set(publishedDedupKey(r.noticeId, r.accountId), r);
  await writeNotifications(
    tx,
    [...messages.entries()].map(([dedupKey, r]) => ({
      accountId: r.accountId,
      kind: 'notice.published' as const,
      dedupKey,
      pagePath: noticeDetailPage(r.noticeId),
      data: noticeMessageData(noticeOf.get(r.noticeId)!, classNames.get(r.noticeId) ?? []),
    })),
  );
  return inserted.length;
}
