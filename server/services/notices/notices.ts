/**
 * 公告作业: class notices and homework (issue #5 §5). The use cases behind
 * /api/notices; the fan-out to families is ./fanout.ts (notices-fanout queue).
 *
 * - Publish: a teacher to classes they teach (teacher_classes) or head; a
 *   school administrator to any class of their school; otherwise 403. The
 *   notice, its classes and the fan-out outbox row commit together.
 * - Families see the notices fanned out to them (notice_recipients) for their
 *   children holding a valid card (card-holders.ts), one item per notice listing
 *   the children; opening one marks it read, 确认 marks it confirmed (when required).
 * - Receipts, counts and reminders are over the same recipients (valid card).
 * - The author (or the school administrator) sees read / confirmed / unread
 *   with masked names, and may remind the unread once per
 *   NOTICE_REMIND_INTERVAL_S (429 with Retry-After otherwise).
 * Another school's notice, or one not addressed to the family, is 404.
 */
import { and, asc, count, desc, eq, inArray, isNotNull, isNull, or, sql } from 'drizzle-orm';
import type { AccountRole } from '../../../domain/api/auth';
import type { CreateNoticeRequest, NoticeDetail, NoticeType, ReceiptCounts } from '../../../domain/api/notices';
import { AppError } from '../../../domain/errors';
import { maskName } from '../../../domain/masking';
import { GRADE_LABELS, type Grade } from '../../../domain/profile/schemas';
import type { AppContext } from '../../context';
import type { DbOrTx } from '../../db/client';
import { accounts, classes, noticeClasses, noticeRecipients, noticeReminders, notices, profileVersions, students, teacherClasses } from '../../db/schema';
import { writeOutbox } from '../../outbox/outbox';
import { holdsValidCard } from '../ecard/card-holders';
import type { RequestMeta } from '../accounts/request-meta';
import { writeAudit } from '../audit/audit';

export interface Actor {
  id: string;
  role: AccountRole;
  schoolId: string | null;
}

type NoticeRow = typeof notices.$inferSelect;
type NoticesContext = Pick<AppContext, 'db' | 'config'>;

const isStaff = (actor: Actor) => actor.role === 'teacher' || actor.role === 'school_admin';

export function classLabel(grade: string, name: string): string {
  return `${GRADE_LABELS[grade as Grade] ?? ''}${name}`;
}

/** 王老师: the surname as families address a teacher. */
export function teacherTitle(displayName: string | null): string {
  const first = displayName ? Array.from(displayName.trim())[0] : undefined;
  return first ? `${first}老师` : '老师';
}

// ---- publishing --------------------------------------------------------------------------

/** The classes the actor may publish to, in grade and name order. */
export async function publishableClasses(db: DbOrTx, actor: Actor) {
  const columns = { id: classes.id, schoolId: classes.schoolId, grade: classes.grade, name: classes.name };
  let rows: { id: string; schoolId: string; grade: string; name: string }[] = [];
  if (actor.role === 'school_admin' && actor.schoolId) {
    rows = await db.select(columns).from(classes).where(eq(classes.schoolId, actor.schoolId));
  } else if (actor.role === 'teacher') {
    rows = await db
      .selectDistinct(columns)
      .from(classes)
      .leftJoin(teacherClasses, and(eq(teacherClasses.classId, classes.id), eq(teacherClasses.teacherId, actor.id)))
      .where(or(eq(classes.headTeacherId, actor.id), isNotNull(teacherClasses.teacherId)));
  }
  return rows
    .sort((a, b) => (a.grade === b.grade ? a.name.localeCompare(b.name, 'zh') : a.grade.localeCompare(b.grade)))
    .map((c) => ({ ...c, gradeLabel: GRADE_LABELS[c.grade as Grade] ?? c.grade }));
}

/** The school of the classes, or 403 unless the actor may publish to every one of them. */
export async function assertMayPublish(db: DbOrTx, actor: Actor, classIds: string[]): Promise<string> {
  if (!isStaff(actor)) throw new AppError('FORBIDDEN');
  const rows = await db
    .select({ id: classes.id, schoolId: classes.schoolId, headTeacherId: classes.headTeacherId, teaches: teacherClasses.teacherId })
    .from(classes)
    .leftJoin(teacherClasses, and(eq(teacherClasses.classId, classes.id), eq(teacherClasses.teacherId, actor.id)))
    .where(inArray(classes.id, classIds));
  const byId = new Map(rows.map((r) => [r.id, r]));
  const schools = new Set(rows.map((r) => r.schoolId));
  for (const id of classIds) {
    const row = byId.get(id);
    const allowed =
      row !== undefined &&
      (actor.role === 'school_admin'
        ? actor.schoolId !== null && row.schoolId === actor.schoolId
        : row.headTeacherId === actor.id || row.teaches === actor.id);
    if (!allowed) throw new AppError('FORBIDDEN', { message: '只能向自己任教的班级发布通知' });
  }
  if (schools.size !== 1) throw new AppError('FORBIDDEN', { message: '只能向自己任教的班级发布通知' });
  return [...schools][0]!;
}

export async function createNotice(
  ctx: NoticesContext,
  actor: Actor,
  input: CreateNoticeRequest,
  meta: RequestMeta | null,
): Promise<{ id: string; createdAt: string }> {
  return ctx.db.transaction(async (tx) => {
    const schoolId = await assertMayPublish(tx, actor, input.classIds);
    const [notice] = await tx
      .insert(notices)
      .values({
        schoolId,
        authorId: actor.id,
        type: input.type,
        title: input.title,
        body: input.body,
        dueDate: input.dueDate,
        requiresConfirmation: input.requiresConfirmation,
      })
      .returning();
    await tx.insert(noticeClasses).values(input.classIds.map((classId) => ({ noticeId: notice!.id, classId })));
    await writeOutbox(tx, 'notices-fanout', { noticeId: notice!.id });
    await writeAudit(tx, {
      actor,
      action: 'notice.published',
      subject: { type: 'notice', id: notice!.id },
      meta,
      detail: { classIds: input.classIds, type: input.type, requiresConfirmation: input.requiresConfirmation },
    });
    return { id: notice!.id, createdAt: notice!.createdAt.toISOString() };
  });
}

// ---- shared presentation -------------------------------------------------------------------

async function classNamesOf(db: DbOrTx, noticeIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (noticeIds.length === 0) return out;
  const rows = await db
    .select({ noticeId: noticeClasses.noticeId, grade: classes.grade, name: classes.name })
    .from(noticeClasses)
    .innerJoin(classes, eq(classes.id, noticeClasses.classId))
    .where(inArray(noticeClasses.noticeId, noticeIds))
    .orderBy(asc(classes.grade), asc(classes.name));
  for (const r of rows) out.set(r.noticeId, [...(out.get(r.noticeId) ?? []), classLabel(r.grade, r.name)]);
  return out;
}

function presentBase(n: NoticeRow, authorName: string | null, classNames: string[]) {
  return {
    id: n.id,
    type: n.type as NoticeType,
    title: n.title,
    dueDate: n.dueDate ?? null,
    requiresConfirmation: n.requiresConfirmation,
    createdAt: n.createdAt.toISOString(),
    authorName: teacherTitle(authorName),
    classNames,
  };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const studentName = sql<string | null>`${profileVersions.data}->'personal'->>'name'`;
const maskedOrDefault = (name: string | null) => (name ? maskName(name) : '学生');

/** The receipts of a notice, over its recipients holding a valid card: disjoint lists that add up (see ReceiptCountsSchema). */
export async function receiptCounts(db: DbOrTx, noticeId: string): Promise<ReceiptCounts> {
  const [row] = await db
    .select({
      total: count(),
      opened: sql<number>`count(${noticeRecipients.readAt})::int`,
      confirmed: sql<number>`count(${noticeRecipients.confirmedAt})::int`,
    })
    .from(noticeRecipients)
    .innerJoin(students, eq(students.id, noticeRecipients.studentId))
    .where(and(eq(noticeRecipients.noticeId, noticeId), holdsValidCard()));
  const total = Number(row?.total ?? 0);
  const opened = Number(row?.opened ?? 0);
  const confirmed = Number(row?.confirmed ?? 0);
  return { total, read: opened - confirmed, confirmed, unread: total - opened, opened };
}

/** The notice when the actor wrote it or administers its school; 404 otherwise. */
async function loadAuthoredNotice(db: DbOrTx, actor: Actor, noticeId: string, options: { authorOnly?: boolean } = {}): Promise<NoticeRow> {
  const [notice] = await db.select().from(notices).where(eq(notices.id, noticeId));
  if (!notice) throw new AppError('NOT_FOUND');
  if (notice.authorId === actor.id) return notice;
  const admin = actor.role === 'school_admin' && actor.schoolId === notice.schoolId;
  if (admin && !options.authorOnly) return notice;
  throw new AppError(admin || (isStaff(actor) && actor.schoolId === notice.schoolId) ? 'FORBIDDEN' : 'NOT_FOUND');
}

// ---- families --------------------------------------------------------------------------------

/**
 * The family's notices, newest first, one item per notice listing the children
 * it concerns (those holding a valid card); `studentId` keeps the notices of one child.
 */
export async function listMyNotices(ctx: NoticesContext, actor: Actor, query: { studentId?: string; page: number; pageSize: number }) {
  const where = and(
    eq(noticeRecipients.accountId, actor.id),
    holdsValidCard(),
    query.studentId ? inArray(noticeRecipients.noticeId, ctx.db.select({ id: noticeRecipients.noticeId }).from(noticeRecipients).where(and(eq(noticeRecipients.accountId, actor.id), eq(noticeRecipients.studentId, query.studentId)))) : undefined,
  );
  const [{ total } = { total: 0 }] = await ctx.db
    .select({ total: sql<number>`count(distinct ${noticeRecipients.noticeId})::int` })
    .from(noticeRecipients)
    .innerJoin(students, eq(students.id, noticeRecipients.studentId))
    .where(where);
  const latest = sql<Date>`max(${noticeRecipients.createdAt})`;
  const page = await ctx.db
    .select({
      n: notices,
      author: accounts.displayName,
      readAt: sql<string | null>`case when bool_and(${noticeRecipients.readAt} is not null) then max(${noticeRecipients.readAt}) end`,
      confirmedAt: sql<string | null>`case when bool_and(${noticeRecipients.confirmedAt} is not null) then max(${noticeRecipients.confirmedAt}) end`,
    })
    .from(noticeRecipients)
    .innerJoin(students, eq(students.id, noticeRecipients.studentId))
    .innerJoin(notices, eq(notices.id, noticeRecipients.noticeId))
    .innerJoin(accounts, eq(accounts.id, notices.authorId))
    .where(where)
    .groupBy(notices.id, accounts.displayName)
    .orderBy(desc(latest), desc(notices.id))
    .limit(query.pageSize)
    .offset((query.page - 1) * query.pageSize);
  const ids = page.map((r) => r.n.id);
  const classNames = await classNamesOf(ctx.db, ids);
  const children = new Map<string, { studentId: string; studentNameMasked: string }[]>();
  if (ids.length > 0) {
    const rows = await ctx.db
      .select({ noticeId: noticeRecipients.noticeId, studentId: noticeRecipients.studentId, name: studentName })
      .from(noticeRecipients)
      .innerJoin(students, eq(students.id, noticeRecipients.studentId))
      .leftJoin(profileVersions, eq(profileVersions.id, students.approvedVersionId))
      .where(and(eq(noticeRecipients.accountId, actor.id), inArray(noticeRecipients.noticeId, ids), holdsValidCard()))
      .orderBy(asc(students.createdAt), asc(students.id));
    for (const r of rows) children.set(r.noticeId, [...(children.get(r.noticeId) ?? []), { studentId: r.studentId, studentNameMasked: maskedOrDefault(r.name) }]);
  }
  const at = (v: string | Date | null) => (v === null ? null : new Date(v).toISOString());
  return {
    items: page.map(({ n, author, readAt, confirmedAt }) => ({
      ...presentBase(n, author, classNames.get(n.id) ?? []),
      students: children.get(n.id) ?? [],
      readAt: at(readAt),
      confirmedAt: at(confirmedAt),
    })),
    page: query.page,
    pageSize: query.pageSize,
    total: Number(total),
  };
}

/** The family's recipient rows of the notice, for its children holding a valid card. */
async function familyRows(db: DbOrTx, actor: Actor, noticeId: string) {
  return db
    .select({ r: noticeRecipients, name: studentName })
    .from(noticeRecipients)
    .innerJoin(students, eq(students.id, noticeRecipients.studentId))
    .leftJoin(profileVersions, eq(profileVersions.id, students.approvedVersionId))
    .where(and(eq(noticeRecipients.noticeId, noticeId), eq(noticeRecipients.accountId, actor.id), holdsValidCard()))
    .orderBy(asc(noticeRecipients.id));
}

/** Family: the notice (marked read now); author or school administrator: with the counts. */
export async function getNotice(ctx: NoticesContext, actor: Actor, noticeId: string): Promise<NoticeDetail> {
  const [notice] = await ctx.db.select().from(notices).where(eq(notices.id, noticeId));
  if (!notice) throw new AppError('NOT_FOUND');
  const [author] = await ctx.db.select({ displayName: accounts.displayName }).from(accounts).where(eq(accounts.id, notice.authorId));
  const classNames = (await classNamesOf(ctx.db, [notice.id])).get(notice.id) ?? [];
  const base = { ...presentBase(notice, author?.displayName ?? null, classNames), body: notice.body };

  if (!isStaff(actor)) {
    const visible = await familyRows(ctx.db, actor, noticeId);
    if (visible.length === 0) throw new AppError('NOT_FOUND');
    await ctx.db
      .update(noticeRecipients)
      .set({ readAt: sql`now()` })
      .where(and(inArray(noticeRecipients.id, visible.map(({ r }) => r.id)), isNull(noticeRecipients.readAt)));
    const mine = await familyRows(ctx.db, actor, noticeId);
    return {
      ...base,
      viewer: 'family',
      students: mine.map(({ r, name }) => ({ studentId: r.studentId, studentNameMasked: maskedOrDefault(name), readAt: iso(r.readAt), confirmedAt: iso(r.confirmedAt) })),
      canConfirm: notice.requiresConfirmation && mine.some(({ r }) => r.confirmedAt === null),
      counts: null,
    };
  }
  await loadAuthoredNotice(ctx.db, actor, noticeId);
  return { ...base, viewer: 'author', students: [], canConfirm: false, counts: await receiptCounts(ctx.db, noticeId) };
}

export async function confirmNotice(ctx: NoticesContext, actor: Actor, noticeId: string): Promise<{ confirmedAt: string }> {
  const [notice] = await ctx.db.select({ requiresConfirmation: notices.requiresConfirmation }).from(notices).where(eq(notices.id, noticeId));
  const mine = notice ? (await familyRows(ctx.db, actor, noticeId)).map(({ r }) => r) : [];
  if (!notice || mine.length === 0) throw new AppError('NOT_FOUND');
  if (!notice.requiresConfirmation) throw new AppError('CONFLICT', { message: '该通知无需家长确认' });
  const [updated] = await ctx.db
    .update(noticeRecipients)
    .set({ confirmedAt: sql`now()`, readAt: sql`coalesce(${noticeRecipients.readAt}, now())` })
    .where(and(inArray(noticeRecipients.id, mine.map((m) => m.id)), isNull(noticeRecipients.confirmedAt)))
    .returning({ confirmedAt: noticeRecipients.confirmedAt });
  const at = updated?.confirmedAt ?? mine.find((m) => m.confirmedAt)?.confirmedAt ?? new Date();
  return { confirmedAt: at.toISOString() };
}

// ---- authors ----------------------------------------------------------------------------------

export async function listSentNotices(ctx: NoticesContext, actor: Actor, query: { page: number; pageSize: number }) {
  const where = eq(notices.authorId, actor.id);
  const [{ total } = { total: 0 }] = await ctx.db.select({ total: count() }).from(notices).where(where);
  const rows = await ctx.db
    .select()
    .from(notices)
    .where(where)
    .orderBy(desc(notices.createdAt), desc(notices.id))
    .limit(query.pageSize)
    .offset((query.page - 1) * query.pageSize);
  const ids = rows.map((r) => r.id);
  const classNames = await classNamesOf(ctx.db, ids);
  const [author] = await ctx.db.select({ displayName: accounts.displayName }).from(accounts).where(eq(accounts.id, actor.id));
  const items = [];
  for (const n of rows) {
    items.push({
      ...presentBase(n, author?.displayName ?? null, classNames.get(n.id) ?? []),
      counts: await receiptCounts(ctx.db, n.id),
      lastRemindedAt: iso(await lastReminderAt(ctx.db, n.id)),
    });
  }
  return { items, page: query.page, pageSize: query.pageSize, total: Number(total) };
}

async function lastReminderAt(db: DbOrTx, noticeId: string): Promise<Date | null> {
  const [row] = await db.select({ at: noticeReminders.at }).from(noticeReminders).where(eq(noticeReminders.noticeId, noticeId)).orderBy(desc(noticeReminders.at)).limit(1);
  return row?.at ?? null;
}

export async function noticeReceipts(ctx: NoticesContext, actor: Actor, noticeId: string, query: { page: number; pageSize: number }) {
  const notice = await loadAuthoredNotice(ctx.db, actor, noticeId);
  const list = async (state: 'read' | 'confirmed' | 'unread') => {
    const condition =
      state === 'unread'
        ? isNull(noticeRecipients.readAt)
        : state === 'confirmed'
          ? isNotNull(noticeRecipients.confirmedAt)
          : and(isNotNull(noticeRecipients.readAt), isNull(noticeRecipients.confirmedAt));
    const rows = await ctx.db
      .select({ r: noticeRecipients, name: studentName, guardian: accounts.displayName, grade: classes.grade, className: classes.name })
      .from(noticeRecipients)
      .innerJoin(students, eq(students.id, noticeRecipients.studentId))
      .leftJoin(profileVersions, eq(profileVersions.id, students.approvedVersionId))
      .innerJoin(accounts, eq(accounts.id, noticeRecipients.accountId))
      .leftJoin(classes, eq(classes.id, noticeRecipients.classId))
      .where(and(eq(noticeRecipients.noticeId, noticeId), condition, holdsValidCard()))
      .orderBy(asc(classes.grade), asc(classes.name), asc(noticeRecipients.id))
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize);
    return rows.map(({ r, name, guardian, grade, className }) => ({
      studentId: r.studentId,
      studentNameMasked: maskedOrDefault(name),
      className: grade && className ? classLabel(grade, className) : null,
      guardianNameMasked: guardian ? maskName(guardian) : null,
      readAt: iso(r.readAt),
      confirmedAt: iso(r.confirmedAt),
    }));
  };
  const last = await lastReminderAt(ctx.db, noticeId);
  const next = last ? new Date(last.getTime() + ctx.config.NOTICE_REMIND_INTERVAL_S * 1000) : null;
  return {
    counts: await receiptCounts(ctx.db, noticeId),
    read: await list('read'),
    confirmed: await list('confirmed'),
    unread: await list('unread'),
    page: query.page,
    pageSize: query.pageSize,
    complete: notice.fanoutCompletedAt !== null,
    lastRemindedAt: iso(last),
    nextRemindAt: next && next.getTime() > Date.now() ? next.toISOString() : null,
  };
}

/** Remind the unread: at most once per NOTICE_REMIND_INTERVAL_S per notice (429 with Retry-After). */
export async function remindUnread(ctx: NoticesContext, actor: Actor, noticeId: string, meta: RequestMeta | null) {
  return ctx.db.transaction(async (tx) => {
    await loadAuthoredNotice(tx, actor, noticeId, { authorOnly: true });
    // One reminder decision at a time per notice.
    await tx.select({ id: notices.id }).from(notices).where(eq(notices.id, noticeId)).for('update');
    const last = await lastReminderAt(tx, noticeId);
    const intervalMs = ctx.config.NOTICE_REMIND_INTERVAL_S * 1000;
    if (last && Date.now() - last.getTime() < intervalMs) {
      const retryAfterSeconds = Math.max(1, Math.ceil((last.getTime() + intervalMs - Date.now()) / 1000));
      throw new AppError('RATE_LIMITED', { message: '每条通知每小时只能提醒一次，请稍后再试', retryAfterSeconds });
    }
    const counts = await receiptCounts(tx, noticeId);
    const [reminder] = await tx.insert(noticeReminders).values({ noticeId, byAccountId: actor.id }).returning();
    await writeOutbox(tx, 'notices-fanout', { noticeId, reminderId: reminder!.id });
    await writeAudit(tx, {
      actor,
      action: 'notice.reminded',
      subject: { type: 'notice', id: noticeId },
      meta,
      detail: { reminderId: reminder!.id, unread: counts.unread },
    });
    return { reminderId: reminder!.id, unread: counts.unread, nextRemindAt: new Date(reminder!.at.getTime() + intervalMs).toISOString() };
  });
}
