/**
 * Recording that a student's school information is confirmed for the current
 * semester (students.reconfirmed_semester_id).
 *
 * Called by the approval path (server/services/review-approval.ts,
 * approveVersion) inside its transaction, right after the student row followed
 * the approved version: any approval of a student's latest version — the
 * family's reconfirmation, a correction, a first submission — means the school
 * information was checked in the current semester. The semester reset and the
 * reminders skip such students.
 */
import { sql } from 'drizzle-orm';
import { rowsOf, type DbOrTx } from '../../db/client';

/**
 * Set the student's reconfirmed_semester_id to the current semester (the
 * latest opened at or before now). Returns that semester's id, or null when no
 * semester was ever opened (nothing is written then) or the student does not
 * exist. Idempotent; one UPDATE, no extra lock (the caller holds the student row).
 */
export async function markReconfirmed(tx: DbOrTx, studentId: string): Promise<string | null> {
  const result = await tx.execute(sql`
    with current_semester as (
      select id from semesters where opened_at <= now() order by opened_at desc, id desc limit 1
    )
    update students s
       set reconfirmed_semester_id = c.id
      from current_semester c
     where s.id = ${studentId}
       and s.reconfirmed_semester_id is distinct from c.id
    returning c.id as "semesterId"`);
  const updated = rowsOf<{ semesterId: string }>(result)[0];
  if (updated) return updated.semesterId;
  // Already marked (or no semester / no student): answer what is stored when it is the current semester.
  const current = rowsOf<{ id: string }>(
    await tx.execute(sql`
      select s.reconfirmed_semester_id as id from students s
      where s.id = ${studentId}
        and s.reconfirmed_semester_id = (select id from semesters where opened_at <= now() order by opened_at desc, id desc limit 1)`),
  )[0];
  return current?.id ?? null;
}
