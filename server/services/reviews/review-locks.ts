/**
 * The lock order of every write that decides a review: the student rows
 * first, then the version rows, each set in id order. Every decision (the
 * registry match, a teacher's approval or return, a dispute, the sweeper's
 * re-queue) takes its locks through here, so two of them never wait on each
 * other in a cycle.
 */
import { asc, inArray, or } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { profileVersions, students } from '../../db/schema';
import type { ProfileVersionRow } from './review-approval';

/**
 * Lock the students of the given versions (and `alsoStudents`, e.g. the other
 * party of a dispute), then the versions; returns the versions found, locked,
 * in id order (a missing id is simply absent).
 */
export async function lockStudentsThenVersions(
  tx: Tx,
  versionIds: readonly string[],
  alsoStudents: readonly string[] = [],
): Promise<ProfileVersionRow[]> {
  const ids = [...new Set(versionIds)];
  if (ids.length === 0 && alsoStudents.length === 0) return [];
  const ofVersions = inArray(students.id, tx.select({ id: profileVersions.studentId }).from(profileVersions).where(inArray(profileVersions.id, ids)));
  const which = alsoStudents.length === 0 ? ofVersions : ids.length === 0 ? inArray(students.id, [...alsoStudents]) : or(ofVersions, inArray(students.id, [...alsoStudents]));
  await tx.select({ id: students.id }).from(students).where(which).orderBy(asc(students.id)).for('update');
  if (ids.length === 0) return [];
  return tx.select().from(profileVersions).where(inArray(profileVersions.id, ids)).orderBy(asc(profileVersions.id)).for('update');
}
