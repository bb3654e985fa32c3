/**
 * Reconfirmation reminders (job reminders, daily): families of students still
 * `reconfirm_required` are reminded 3 days and 1 day before the semester's
 * deadline (China calendar days; the deadline day itself counts as 0 days left).
 *
 * Buckets rather than exact days, so a missed daily run still reminds: 3 or 2
 * days left → the `d3` reminder, 1 or 0 days left → the `d1` reminder. The
 * notification's dedup key `reconfirm.reminder:<semesterId>:<studentId>:<bucket>`
 * makes the run idempotent: running it several times a day, or on the next day
 * within the same bucket, writes each reminder once.
 *
 * Semesters considered: those opened by now whose deadline is 0–3 days away.
 * Students: status reconfirm_required, card not revoked, not reconfirmed for
 * that semester. Batches of `batchSize` students, one INSERT each.
 */
import { sql } from 'drizzle-orm';
import { maskName } from '../../../domain/masking';
import { chinaDate, type CalendarDate } from '../../../domain/time/calendar-date';
import type { AppContext } from '../../context';
import { rowsOf } from '../../db/client';
import { semesters } from '../../db/schema';
import { writeNotifications } from '../notifications/notifications';
import { reconfirmPagePath } from './reset';
import { deadlineDate } from './semesters';

export type ReminderBucket = 'd3' | 'd1';

export type RemindersContext = Pick<AppContext, 'db'>;

export interface RemindersOptions {
  /** The clock; default now. */
  now?: Date;
  /** Students per INSERT; default 1,000. */
  batchSize?: number;
  /** Only these semesters / only students of classes of these schools (tests sharing one database). */
  onlySemesterIds?: readonly string[];
  onlySchoolIds?: readonly string[];
}

export interface RemindersResult {
  semesters: Array<{ semesterId: string; bucket: ReminderBucket; daysLeft: number; written: number }>;
}

const DAY_MS = 86_400_000;

function dayNumber(date: CalendarDate): number {
  return Date.UTC(date.year, date.month - 1, date.day) / DAY_MS;
}

/** Whole China calendar days from `now` to the deadline's day. */
export function daysLeft(deadline: Date, now: Date): number {
  return dayNumber(chinaDate(deadline)) - dayNumber(chinaDate(now));
}

/** The reminder due with `days` days left, or null. */
export function reminderBucket(days: number): ReminderBucket | null {
  if (days < 0 || days > 3) return null;
  return days <= 1 ? 'd1' : 'd3';
}

export function reminderDedupKey(semesterId: string, studentId: string, bucket: ReminderBucket): string {
  return `reconfirm.reminder:${semesterId}:${studentId}:${bucket}`;
}

/** Write the reminders due now; see the module comment. */
export async function sendReconfirmReminders(ctx: RemindersContext, options: RemindersOptions = {}): Promise<RemindersResult> {
  const now = options.now ?? new Date();
  const batchSize = options.batchSize ?? 1_000;
  // Candidates: deadline between the start of today and 4 days later (China), opened by now.
  const open = await ctx.db
    .select()
    .from(semesters)
    .where(
      sql`${semesters.openedAt} <= ${now.toISOString()}::timestamptz
        and ${semesters.reconfirmDeadline} >= ${new Date(now.getTime() - DAY_MS).toISOString()}::timestamptz
        and ${semesters.reconfirmDeadline} <= ${new Date(now.getTime() + 5 * DAY_MS).toISOString()}::timestamptz
        ${options.onlySemesterIds ? sql`and ${semesters.id} = any(${sql.param([...options.onlySemesterIds])}::uuid[])` : sql``}`,
    );
  const scope = options.onlySchoolIds
    ? sql`and s.class_id in (select c.id from classes c where c.school_id = any(${sql.param([...options.onlySchoolIds])}::uuid[]))`
    : sql``;

  const result: RemindersResult = { semesters: [] };
  for (const semester of open) {
    const days = daysLeft(semester.reconfirmDeadline, now);
    const bucket = reminderBucket(days);
    if (!bucket) continue;
    const deadline = deadlineDate(semester.reconfirmDeadline);
    let cursor = '00000000-0000-0000-0000-000000000000';
    let written = 0;
    for (;;) {
      const rows = rowsOf<{ id: string; family_account_id: string; data: unknown }>(
        await ctx.db.execute(sql`
          select s.id, s.family_account_id, v.data from students s
          left join profile_versions v on v.id = s.current_version_id
          where s.id > ${cursor}::uuid
            and s.status = 'reconfirm_required'
            and s.card_revoked_at is null
            and s.reconfirmed_semester_id is distinct from ${semester.id}::uuid
            ${scope}
          order by s.id
          limit ${batchSize}`),
      );
      if (rows.length === 0) break;
      cursor = rows[rows.length - 1]!.id;
      // The rows and their delivery jobs commit together.
      const inserted = await ctx.db.transaction((tx) => writeNotifications(
        tx,
        rows.map((row) => {
            const name = (row.data as { personal?: { name?: unknown } } | null)?.personal?.name;
            return {
              accountId: row.family_account_id,
              kind: 'reconfirm.reminder',
              dedupKey: reminderDedupKey(semester.id, row.id, bucket),
              pagePath: reconfirmPagePath(row.id),
              data: {
                studentId: row.id,
                semesterId: semester.id,
                semesterName: semester.name,
                deadline,
                daysLeft: days,
                studentNameMasked: typeof name === 'string' ? maskName(name) : null,
              },
            };
          }),
      ));
      written += inserted;
    }
    result.semesters.push({ semesterId: semester.id, bucket, daysLeft: days, written });
  }
  return result;
}
