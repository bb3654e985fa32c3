/**
 * Semesters (学期): opening one asks every family of an approved student to
 * reconfirm the school information (每学期需要重新登录确认, DESIGN §2).
 *
 * - `openSemester` records the semester (names are unique: opening a name
 *   again is a no-op that says so) and, in the same transaction, the outbox
 *   row of its reset job (semester-reset, see reset.ts).
 * - `currentSemester` is the latest semester opened (by opened_at).
 * - Any approval of a student's latest version (the family's reconfirmation,
 *   a correction, a first submission) records the current semester in
 *   students.reconfirmed_semester_id (review-approval.ts, approveVersions); the
 *   reset and the reminders skip such students.
 *
 * The deadline is a China calendar date; families may reconfirm until the end
 * of that day (23:59:59.999 UTC+8), stored as that instant in UTC.
 */
import { desc, eq, lte, sql } from 'drizzle-orm';
import { QUEUE_NAMES } from '../../../domain/jobs/payloads';
import { codePointLength } from '../../../domain/text/normalize';
import {
  chinaDate,
  compareCalendarDates,
  formatCalendarDate,
  parseCalendarDate,
  type CalendarDate,
} from '../../../domain/time/calendar-date';
import type { AppContext } from '../../context';
import type { DbOrTx } from '../../db/client';
import { semesters } from '../../db/schema';
import { writeOutbox } from '../../outbox/outbox';
import { writeAudit } from '../audit/audit';

export type Semester = typeof semesters.$inferSelect;

export const MAX_SEMESTER_NAME_LENGTH = 60;

/** A semester that cannot be opened as asked (bad name or deadline); the message is for the operator, in Chinese. */
export class SemesterInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SemesterInputError';
  }
}

const CHINA_OFFSET_MS = 8 * 3600_000;

/** The last instant of a China calendar date (23:59:59.999 UTC+8). */
export function endOfChinaDay(date: CalendarDate): Date {
  return new Date(Date.UTC(date.year, date.month - 1, date.day, 23, 59, 59, 999) - CHINA_OFFSET_MS);
}

/** The China calendar date of a deadline, as 'YYYY-MM-DD'. */
export function deadlineDate(deadline: Date): string {
  return formatCalendarDate(chinaDate(deadline));
}

export interface OpenSemesterInput {
  /** e.g. 2026-2027学年第一学期 */
  name: string;
  /** 'YYYY-MM-DD', China time; today or later. */
  deadline: string;
  /** Who opened it (operator name or "cli:<user>"). */
  openedBy?: string | null;
  /** "Today" for the deadline check. */
  now?: Date;
}

export type OpenSemesterResult =
  | { created: true; semester: Semester; outboxId: number }
  | { created: false; semester: Semester };

export type SemesterContext = Pick<AppContext, 'db'>;

/** Validates the input; throws SemesterInputError with a Chinese message. */
export function parseOpenSemesterInput(input: OpenSemesterInput): { name: string; deadline: Date } {
  const name = input.name.trim().replace(/\s+/g, ' ');
  if (name === '') throw new SemesterInputError('请填写学期名称，例如：2026-2027学年第一学期');
  if (codePointLength(name) > MAX_SEMESTER_NAME_LENGTH) throw new SemesterInputError(`学期名称不能超过 ${MAX_SEMESTER_NAME_LENGTH} 个字`);
  const date = parseCalendarDate(input.deadline.trim());
  if (!date) throw new SemesterInputError(`截止日期"${input.deadline}"无效，请写成 YYYY-MM-DD，例如 2026-09-30`);
  if (compareCalendarDates(date, chinaDate(input.now ?? new Date())) < 0) {
    throw new SemesterInputError(`截止日期 ${formatCalendarDate(date)} 已经过去`);
  }
  return { name, deadline: endOfChinaDay(date) };
}

/** Opens a semester (see the module comment). Throws SemesterInputError for a bad name or deadline. */
export async function openSemester(ctx: SemesterContext, input: OpenSemesterInput): Promise<OpenSemesterResult> {
  const { name, deadline } = parseOpenSemesterInput(input);
  return ctx.db.transaction(async (tx) => {
    const [created] = await tx
      .insert(semesters)
      .values({ name, reconfirmDeadline: deadline, openedBy: input.openedBy ?? null })
      .onConflictDoNothing({ target: semesters.name })
      .returning();
    if (!created) {
      const [existing] = await tx.select().from(semesters).where(eq(semesters.name, name));
      return { created: false as const, semester: existing! };
    }
    const outboxId = await writeOutbox(tx, QUEUE_NAMES.semesterReset, { semesterId: created.id });
    await writeAudit(tx, {
      actor: { id: null, role: 'operator' },
      action: 'semester.opened',
      subject: { type: 'semester', id: created.id },
      detail: { name, deadline: deadlineDate(deadline), openedBy: input.openedBy ?? null, outboxId },
    });
    return { created: true as const, semester: created, outboxId };
  });
}

/** The latest semester opened at or before now, or null. */
export async function currentSemester(db: DbOrTx): Promise<Semester | null> {
  const [row] = await db
    .select()
    .from(semesters)
    .where(lte(semesters.openedAt, sql`now()`))
    .orderBy(desc(semesters.openedAt), desc(semesters.id))
    .limit(1);
  return row ?? null;
}

export async function findSemester(db: DbOrTx, id: string): Promise<Semester | null> {
  const [row] = await db.select().from(semesters).where(eq(semesters.id, id));
  return row ?? null;
}
