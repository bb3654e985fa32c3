/**
 * The console's school pages: the funnel, the classes with their head
 * teachers, the teacher picker, the head-teacher assignment, the list of
 * schools.
 *
 * Scope: a school administrator sees only their own school (any other school
 * answers 404, its existence not revealed); an operator every school. Every
 * list is paged and filtered on indexed columns: a school's classes by
 * classes_school_grade_name_uq, its teachers by accounts_school_idx, schools by
 * console_school_stats' indexes; statistics come from the aggregate rows only
 * (server/services/console/console-stats.ts).
 */
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { AccountRole } from '../../../domain/api/auth';
import type {
  AssignHeadTeacherResponse,
  ConsoleClass,
  ConsoleTeacher,
  ListConsoleClassesQuery,
  ListConsoleClassesResponse,
  ListConsoleSchoolsResponse,
  ListConsoleTeachersResponse,
  SchoolFunnelResponse,
} from '../../../domain/api/console';
import { AppError } from '../../../domain/errors';
import { maskPhone } from '../../../domain/masking';
import { GRADE_LABELS, GRADES, type Grade } from '../../../domain/profile/schemas';
import type { AppContext } from '../../context';
import { rowsOf, type DbOrTx } from '../../db/client';
import { classes, schools, semesters } from '../../db/schema';
import { phoneOf } from '../accounts/account-view';
import type { RequestMeta } from '../accounts/request-meta';
import { reassignWaitingReviews } from '../reviews/reassign';
import { writeConsoleAudit } from './console-auth';
import { addCounts, countsOf, ZERO_COUNTS, type StatsRow } from './console-stats';

export interface ConsoleActor {
  id: string;
  role: AccountRole;
  schoolId: string | null;
}

export interface ScopedSchool {
  id: string;
  code: string;
  name: string;
}

/** The school, when the actor may see it: 404 otherwise (another school's existence is not revealed). */
export async function schoolInScope(db: DbOrTx, actor: ConsoleActor, schoolId: string): Promise<ScopedSchool> {
  if (actor.role === 'school_admin' && actor.schoolId !== schoolId) throw new AppError('NOT_FOUND');
  if (actor.role !== 'school_admin' && actor.role !== 'operator') throw new AppError('FORBIDDEN');
  const [school] = await db.select({ id: schools.id, code: schools.code, name: schools.name }).from(schools).where(eq(schools.id, schoolId));
  if (!school) throw new AppError('NOT_FOUND');
  return school;
}

const gradeOrder = (g: string) => GRADES.indexOf(g as Grade);

export async function schoolFunnel(ctx: Pick<AppContext, 'db'>, actor: ConsoleActor, schoolId: string): Promise<SchoolFunnelResponse> {
  const school = await schoolInScope(ctx.db, actor, schoolId);
  // One row per grade of the school (the class rows of one school, by console_class_stats_school_idx).
  const gradeRows = rowsOf<StatsRow & { grade: string; classes: number; updated_at: Date | string | null }>(
    await ctx.db.execute(sql`
      select k.grade, count(*)::int as classes,
             coalesce(sum(s.registered), 0)::int as registered, coalesce(sum(s.submitted), 0)::int as submitted,
             coalesce(sum(s.auto_approved), 0)::int as auto_approved, coalesce(sum(s.pending_review), 0)::int as pending_review,
             coalesce(sum(s.returned), 0)::int as returned, coalesce(sum(s.approved), 0)::int as approved,
             coalesce(sum(s.reconfirm_outstanding), 0)::int as reconfirm_outstanding,
             min(s.oldest_pending_since) as oldest_pending_since, max(s.updated_at) as updated_at
        from classes k
        left join console_class_stats s on s.class_id = k.id
       where k.school_id = ${school.id}
       group by k.grade`),
  );
  const [orphans] = rowsOf<{ n: number }>(
    await ctx.db.execute(sql`
      select count(*)::int as n
        from classes k
        left join accounts head on head.id = k.head_teacher_id
       where k.school_id = ${school.id} and (head.id is null or head.status <> 'active')`),
  );
  const [semester] = await ctx.db
    .select({ id: semesters.id, name: semesters.name })
    .from(semesters)
    .orderBy(sql`${semesters.openedAt} desc`)
    .limit(1);
  const grades = gradeRows
    .filter((r) => (GRADES as readonly string[]).includes(r.grade))
    .sort((a, b) => gradeOrder(a.grade) - gradeOrder(b.grade))
    .map((r) => ({ grade: r.grade as Grade, gradeLabel: GRADE_LABELS[r.grade as Grade], classes: Number(r.classes), counts: countsOf(r) }));
  const updated = gradeRows
    .map((r) => r.updated_at)
    .filter((v): v is Date | string => v !== null)
    .map((v) => new Date(v).toISOString())
    .sort()
    .at(-1);
  return {
    school,
    semester: semester ?? null,
    totals: grades.reduce((sum, g) => addCounts(sum, g.counts), { ...ZERO_COUNTS }),
    grades,
    orphanClasses: orphans?.n ?? 0,
    updatedAt: updated ?? null,
  };
}

interface ClassRow extends StatsRow {
  id: string;
  grade: string;
  name: string;
  head_id: string | null;
  head_display_name: string | null;
  head_username: string | null;
  head_status: 'active' | 'pending_activation' | 'disabled' | null;
  head_phone_cipher: string | null;
  total: number;
}

function presentTeacher(ctx: Pick<AppContext, 'pii'>, row: { id: string; display_name: string | null; username: string | null; status: ConsoleTeacher['status']; phone_cipher: string | null }): ConsoleTeacher {
  const phone = row.phone_cipher ? phoneOf(ctx, { phoneCipher: row.phone_cipher }) : null;
  return { id: row.id, displayName: row.display_name, username: row.username, status: row.status, phoneMasked: phone ? maskPhone(phone) : null };
}

function presentClass(ctx: Pick<AppContext, 'pii'>, row: ClassRow): ConsoleClass {
  const headTeacher =
    row.head_id && row.head_status
      ? presentTeacher(ctx, { id: row.head_id, display_name: row.head_display_name, username: row.head_username, status: row.head_status, phone_cipher: row.head_phone_cipher })
      : null;
  return {
    id: row.id,
    grade: row.grade as Grade,
    gradeLabel: GRADE_LABELS[row.grade as Grade] ?? row.grade,
    name: row.name,
    headTeacher,
    needsHeadTeacher: !headTeacher || headTeacher.status !== 'active',
    counts: countsOf(row),
  };
}

const CLASS_ORDER: Record<ListConsoleClassesQuery['sort'], SQL> = {
  grade: sql`array_position(${sql.raw(`array[${GRADES.map((g) => `'${g}'`).join(',')}]::text[]`)}, k.grade)`,
  pendingReview: sql`coalesce(s.pending_review, 0)`,
  oldestPending: sql`s.oldest_pending_since`,
  approvedRate: sql`(coalesce(s.approved, 0)::float / greatest(coalesce(s.registered, 0), 1))`,
};

async function classRows(ctx: Pick<AppContext, 'db'>, where: SQL, order: SQL, limit: number, offset: number): Promise<ClassRow[]> {
  return rowsOf<ClassRow>(
    await ctx.db.execute(sql`
      select k.id, k.grade, k.name,
             head.id as head_id, head.display_name as head_display_name, head.username as head_username,
             head.status as head_status, head.phone_cipher as head_phone_cipher,
             s.registered, s.submitted, s.auto_approved, s.pending_review, s.returned, s.approved,
             s.reconfirm_outstanding, s.oldest_pending_since,
             count(*) over ()::int as total
        from classes k
        left join accounts head on head.id = k.head_teacher_id
        left join console_class_stats s on s.class_id = k.id
       where ${where}
       order by ${order}, k.name asc, k.id asc
       limit ${limit} offset ${offset}`),
  );
}

export async function listSchoolClasses(
  ctx: Pick<AppContext, 'db' | 'pii'>,
  actor: ConsoleActor,
  schoolId: string,
  query: ListConsoleClassesQuery,
): Promise<ListConsoleClassesResponse> {
  const school = await schoolInScope(ctx.db, actor, schoolId);
  const filters: SQL[] = [sql`k.school_id = ${school.id}`];
  if (query.grade) filters.push(sql`k.grade = ${query.grade}`);
  if (query.headTeacher === 'missing') filters.push(sql`(head.id is null or head.status <> 'active')`);
  if (query.headTeacher === 'assigned') filters.push(sql`(head.id is not null and head.status = 'active')`);
  const direction = query.order === 'desc' ? sql`desc nulls last` : sql`asc nulls last`;
  const order = sql`${CLASS_ORDER[query.sort]} ${direction}`;
  const rows = await classRows(ctx, sql.join(filters, sql` and `), order, query.pageSize, (query.page - 1) * query.pageSize);
  let total = rows[0]?.total ?? 0;
  if (rows.length === 0 && query.page > 1) {
    const [count] = rowsOf<{ n: number }>(
      await ctx.db.execute(sql`
        select count(*)::int as n from classes k left join accounts head on head.id = k.head_teacher_id where ${sql.join(filters, sql` and `)}`),
    );
    total = count?.n ?? 0;
  }
  return { items: rows.map((r) => presentClass(ctx, r)), page: query.page, pageSize: query.pageSize, total: Number(total) };
}

export async function listSchoolTeachers(
  ctx: Pick<AppContext, 'db' | 'pii'>,
  actor: ConsoleActor,
  schoolId: string,
  query: { page: number; pageSize: number; q?: string | undefined; status?: ConsoleTeacher['status'] | undefined },
): Promise<ListConsoleTeachersResponse> {
  const school = await schoolInScope(ctx.db, actor, schoolId);
  const filters: SQL[] = [sql`a.school_id = ${school.id}`, sql`a.role = 'teacher'`];
  if (query.status) filters.push(sql`a.status = ${query.status}`);
  // q has no LIKE wildcards (the schema refuses %, _ and \).
  if (query.q) filters.push(sql`(a.display_name like ${`%${query.q}%`} or a.username_key like ${`%${query.q.toLowerCase()}%`})`);
  const rows = rowsOf<{ id: string; display_name: string | null; username: string | null; status: ConsoleTeacher['status']; phone_cipher: string | null; total: number }>(
    await ctx.db.execute(sql`
      select a.id, a.display_name, a.username, a.status, a.phone_cipher, count(*) over ()::int as total
        from accounts a
       where ${sql.join(filters, sql` and `)}
       order by a.display_name asc nulls last, a.id asc
       limit ${query.pageSize} offset ${(query.page - 1) * query.pageSize}`),
  );
  return { items: rows.map((r) => presentTeacher(ctx, r)), page: query.page, pageSize: query.pageSize, total: Number(rows[0]?.total ?? 0) };
}

/**
 * Make the teacher the class's head teacher. The class's waiting reviews move
 * to them (assigned_reviewer_id) and they are told (a review.waiting row per
 * moved review, delivered as their debounced digest); audited. One transaction
 * with the class row locked: two concurrent assignments end with one head
 * teacher holding every waiting review.
 */
export async function assignHeadTeacher(
  ctx: Pick<AppContext, 'db' | 'pii'>,
  actor: ConsoleActor,
  input: { schoolId: string; classId: string; teacherId: string },
  meta: RequestMeta,
): Promise<AssignHeadTeacherResponse> {
  const school = await schoolInScope(ctx.db, actor, input.schoolId);
  const moved = await ctx.db.transaction(async (tx) => {
    const [klass] = rowsOf<{ id: string; head_teacher_id: string | null }>(
      await tx.execute(sql`select id, head_teacher_id from classes where id = ${input.classId} and school_id = ${school.id} for no key update`),
    );
    if (!klass) throw new AppError('NOT_FOUND');
    const [teacher] = rowsOf<{ id: string }>(
      await tx.execute(sql`
        select id from accounts where id = ${input.teacherId} and school_id = ${school.id} and role = 'teacher' and status = 'active'`),
    );
    if (!teacher) throw new AppError('TEACHER_INVALID', { fields: { 'body.teacherId': '请选择本校在职的教师' } });
    await tx.update(classes).set({ headTeacherId: teacher.id, updatedAt: new Date() }).where(and(eq(classes.id, klass.id)));
    const versions = await reassignWaitingReviews(tx, [klass.id]);
    await writeConsoleAudit(tx, meta, {
      action: 'console.head_teacher_assigned',
      actor,
      subject: { type: 'class', id: klass.id },
      detail: { schoolId: school.id, previousHeadTeacherId: klass.head_teacher_id, headTeacherId: teacher.id, movedReviews: versions.length },
    });
    return versions.length;
  });
  const [row] = await classRows(ctx, sql`k.id = ${input.classId}`, sql`k.id`, 1, 0);
  return { class: presentClass(ctx, row!), movedReviews: moved };
}

const SCHOOL_ORDER = { name: sql`sc.name`, pendingReview: sql`coalesce(st.pending_review, 0)`, registered: sql`coalesce(st.registered, 0)` } as const;

export async function listConsoleSchools(
  ctx: Pick<AppContext, 'db'>,
  actor: ConsoleActor,
  query: { page: number; pageSize: number; q?: string | undefined; sort: keyof typeof SCHOOL_ORDER; order: 'asc' | 'desc' },
): Promise<ListConsoleSchoolsResponse> {
  const filters: SQL[] = [sql`true`];
  if (actor.role === 'school_admin') filters.push(actor.schoolId ? sql`sc.id = ${actor.schoolId}` : sql`false`);
  else if (actor.role !== 'operator') throw new AppError('FORBIDDEN');
  if (query.q) filters.push(/^\d+$/.test(query.q) ? sql`sc.code like ${`${query.q}%`}` : sql`sc.name like ${`%${query.q}%`}`);
  const direction = query.order === 'desc' ? sql`desc nulls last` : sql`asc nulls last`;
  const rows = rowsOf<StatsRow & { id: string; code: string; name: string; classes: number | null; total: number }>(
    await ctx.db.execute(sql`
      select sc.id, sc.code, sc.name, st.classes, st.registered, st.submitted, st.auto_approved, st.pending_review,
             st.returned, st.approved, st.reconfirm_outstanding, st.oldest_pending_since, count(*) over ()::int as total
        from schools sc
        left join console_school_stats st on st.school_id = sc.id
       where ${sql.join(filters, sql` and `)}
       order by ${SCHOOL_ORDER[query.sort]} ${direction}, sc.id asc
       limit ${query.pageSize} offset ${(query.page - 1) * query.pageSize}`),
  );
  const ids = rows.map((r) => r.id);
  const orphanRows =
    ids.length === 0
      ? []
      : rowsOf<{ school_id: string; n: number; orphans: number }>(
          await ctx.db.execute(sql`
            select k.school_id, count(*)::int as n, count(*) filter (where head.id is null or head.status <> 'active')::int as orphans
              from classes k left join accounts head on head.id = k.head_teacher_id
             where k.school_id = any(${`{${ids.join(',')}}`}::uuid[])
             group by k.school_id`),
        );
  const orphans = new Map(orphanRows.map((r) => [r.school_id, Number(r.orphans)]));
  const classCounts = new Map(orphanRows.map((r) => [r.school_id, Number(r.n)]));
  return {
    items: rows.map((r) => ({ id: r.id, code: r.code, name: r.name, classes: classCounts.get(r.id) ?? 0, orphanClasses: orphans.get(r.id) ?? 0, counts: countsOf(r) })),
    page: query.page,
    pageSize: query.pageSize,
    total: Number(rows[0]?.total ?? 0),
  };
}

