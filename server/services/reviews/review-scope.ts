/**
 * Who may see and decide which submissions. A teacher reviews the classes they
 * are head teacher of (classes.head_teacher_id); a school administrator every
 * class of their school (accounts.school_id). Anything else of the same school
 * is 403 FORBIDDEN; anything of another school 404 NOT_FOUND (its existence is
 * not revealed). Teachers listed in teacher_classes without being head teacher
 * do not review.
 */
import { asc, eq } from 'drizzle-orm';
import type { AccountRole } from '../../../domain/api/auth';
import { AppError } from '../../../domain/errors';
import type { DbOrTx } from '../../db/client';
import { classes } from '../../db/schema';

export interface Reviewer {
  id: string;
  role: AccountRole;
  schoolId: string | null;
}

export interface ScopeClass {
  id: string;
  schoolId: string;
  grade: string;
  name: string;
}

/** The classes whose submissions the reviewer sees, in grade and name order. */
export async function reviewerClasses(db: DbOrTx, reviewer: Reviewer): Promise<ScopeClass[]> {
  const columns = { id: classes.id, schoolId: classes.schoolId, grade: classes.grade, name: classes.name };
  if (reviewer.role === 'school_admin') {
    if (!reviewer.schoolId) return [];
    return db.select(columns).from(classes).where(eq(classes.schoolId, reviewer.schoolId)).orderBy(asc(classes.grade), asc(classes.name));
  }
  if (reviewer.role === 'teacher') {
    return db.select(columns).from(classes).where(eq(classes.headTeacherId, reviewer.id)).orderBy(asc(classes.grade), asc(classes.name));
  }
  return [];
}

/** Throws 404 or 403 unless the reviewer may see and decide the version of this class and school. */
export async function assertMayReview(
  db: DbOrTx,
  reviewer: Reviewer,
  version: { schoolId: string | null; classId: string | null },
): Promise<void> {
  const [klass] = version.classId
    ? await db.select({ schoolId: classes.schoolId, headTeacherId: classes.headTeacherId }).from(classes).where(eq(classes.id, version.classId))
    : [];
  if (reviewer.role === 'teacher' && klass?.headTeacherId === reviewer.id) return;
  const schoolId = version.schoolId ?? klass?.schoolId ?? null;
  const sameSchool = reviewer.schoolId !== null && schoolId !== null && reviewer.schoolId === schoolId;
  if (sameSchool && reviewer.role === 'school_admin') return;
  throw new AppError(sameSchool ? 'FORBIDDEN' : 'NOT_FOUND');
}
