/**
 * The school → grade → class pickers of the profile form: search schools by
 * name or code, list a school's classes (optionally of one grade). Schools and
 * classes are not personal data; the routes still ask for a signed-in account
 * (the form is only reachable signed in, and it keeps the list from being
 * scraped anonymously).
 *
 * Indexes: the code prefix search uses the unique index on schools.code only
 * with a C-collation / text_pattern_ops index; the name search is a substring
 * match (ILIKE '%q%'), a sequential scan over the province's schools (a few
 * ten thousand rows at most). A pg_trgm index would make it indexed, but
 * PGlite (npm start) would need the extension loaded at start-up: left for the
 * day the table is large.
 */
import { and, asc, count, eq, ilike, like, or, sql, type SQL } from 'drizzle-orm';
import { AppError } from '../../../domain/errors';
import { GRADES, GRADE_LABELS, type Grade } from '../../../domain/profile/schemas';
import type { AppContext } from '../../context';
import { classes, schools } from '../../db/schema';

/** Escape LIKE wildcards in user input. */
function likeEscape(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export async function searchSchools(
  ctx: Pick<AppContext, 'db'>,
  query: { q?: string | undefined; page: number; pageSize: number },
) {
  const q = query.q?.trim() ?? '';
  let where: SQL | undefined;
  if (q) {
    const pattern = likeEscape(q);
    where = /^\d+$/.test(q) ? like(schools.code, `${pattern}%`) : or(ilike(schools.name, `%${pattern}%`), eq(schools.code, q));
  }
  const [{ total } = { total: 0 }] = await ctx.db.select({ total: count() }).from(schools).where(where);
  const items = await ctx.db
    .select({ id: schools.id, code: schools.code, name: schools.name })
    .from(schools)
    .where(where)
    .orderBy(asc(schools.name), asc(schools.id))
    .limit(query.pageSize)
    .offset((query.page - 1) * query.pageSize);
  return { items, page: query.page, pageSize: query.pageSize, total };
}

const GRADE_ORDER = sql.raw(`array_position(array[${GRADES.map((g) => `'${g}'`).join(',')}]::text[], ${'"classes"."grade"'})`);

export async function listSchoolClasses(
  ctx: Pick<AppContext, 'db'>,
  schoolId: string,
  query: { grade?: Grade | undefined; page: number; pageSize: number },
) {
  const [school] = await ctx.db.select({ id: schools.id, code: schools.code, name: schools.name }).from(schools).where(eq(schools.id, schoolId));
  if (!school) throw new AppError('NOT_FOUND');
  const where = and(eq(classes.schoolId, schoolId), query.grade ? eq(classes.grade, query.grade) : undefined);
  const [{ total } = { total: 0 }] = await ctx.db.select({ total: count() }).from(classes).where(where);
  const rows = await ctx.db
    .select({ id: classes.id, grade: classes.grade, name: classes.name })
    .from(classes)
    .where(where)
    // School order of grades, then "2班" before "10班".
    .orderBy(GRADE_ORDER, sql`length(${classes.name})`, asc(classes.name))
    .limit(query.pageSize)
    .offset((query.page - 1) * query.pageSize);
  const gradeRows = await ctx.db.selectDistinct({ grade: classes.grade }).from(classes).where(eq(classes.schoolId, schoolId));
  const present = new Set(gradeRows.map((r) => r.grade));
  return {
    school,
    grades: GRADES.filter((g) => present.has(g)).map((g) => ({ grade: g, label: GRADE_LABELS[g] })),
    items: rows
      .filter((r): r is typeof r & { grade: Grade } => (GRADES as readonly string[]).includes(r.grade))
      .map((r) => ({ id: r.id, grade: r.grade, gradeLabel: GRADE_LABELS[r.grade], name: r.name })),
    page: query.page,
    pageSize: query.pageSize,
    total,
  };
}
