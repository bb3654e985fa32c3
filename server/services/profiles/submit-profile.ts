/**
 * Submitting a student's profile (填写信息 → 提交): one immutable
 * profile_versions row plus its registry-match outbox row, in one transaction.
 *
 * The body was validated by the route with the shared ProfileSubmissionSchema
 * (under-14 consent, guardian rules); here come the checks that need the
 * database:
 *
 * - the school exists, the class exists, belongs to it and to the grade
 *   (400 VALIDATION_FAILED naming body.school.schoolId / body.school.classId);
 * - the event comes from the state of the latest version and whether a key
 *   field changed (submissionEvent of the state machine: 409
 *   SUBMISSION_PENDING while a version is in flight — the student row is
 *   locked, so two submissions at once cannot both pass — and 409
 *   KEY_FIELDS_UNCHANGED for an approved student whose key fields are the
 *   same: contact fields go through the 电子档案 edit), and the state machine
 *   decides the new version's status;
 * - the resident ID already authenticated under another student: no longer
 *   refused (the real family would have no way out). The submission is
 *   accepted like any other and the registry match files it as a dispute
 *   (身份申诉, state `disputed`) for the head teacher, telling the family that
 *   holds the card (registry-matching/, reviews/disputes.ts); the audit row
 *   of the submission says `claimsApprovedId`.
 *
 * The guardian consent (when given: required under 14) is recorded in
 * guardian_consents for the new version; the draft is deleted.
 */
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { AppError, errorMessage } from '../../../domain/errors';
import { keyFieldsChanged, keyFieldsOf } from '../../../domain/profile/key-fields';
import type { ProfileSubmission } from '../../../domain/profile/schemas';
import { submissionEvent, transition, type ReviewState } from '../../../domain/review/state-machine';
import type { AppContext } from '../../context';
import type { Tx } from '../../db/client';
import { auditLog, classes, guardianConsents, profileDrafts, profileVersions, schools, students } from '../../db/schema';
import { outboxInsert } from '../../outbox/outbox';
import type { RequestMeta } from '../accounts/request-meta';
import { sealProfileSnapshot } from './profile-snapshot';
import { auditRow } from '../audit/audit';
import { loadOwnStudent, openVersionContent, type Actor } from './profile-content';
import { statusLabel } from './students';

export interface SubmissionResult {
  studentId: string;
  versionId: string;
  version: number;
  status: ReviewState;
  statusLabel: string;
}

/** 400 unless the class exists and belongs to the school and the grade (the answers of checkContext). */
function checkSchoolAndClass(school: ProfileSubmission['school'], found: { schoolExists: boolean; classSchoolId: string | null; classGrade: string | null }): void {
  if (!found.schoolExists) throw new AppError('VALIDATION_FAILED', { fields: { 'body.school.schoolId': errorMessage('SCHOOL_INVALID') } });
  if (found.classSchoolId !== school.schoolId || found.classGrade !== school.grade) {
    throw new AppError('VALIDATION_FAILED', { fields: { 'body.school.classId': '所选班级不存在，或不属于所选学校和年级' } });
  }
}

/**
 * Everything the checks read besides the locked student row, in one round trip
 * (a statement of its own after the lock, so it sees what committed before it:
 * the current version of a submission that raced this one included): the
 * current version, the school and class of the form, the last version number,
 * and whether another student holds this resident ID approved (the same test as
 * residentIdApprovedElsewhere).
 */
async function checkContext(tx: Tx, student: { id: string; currentVersionId: string | null }, submission: ProfileSubmission, residentIdIndex: string) {
  const [row] = await tx
    .select({
      schoolExists: sql<boolean>`exists (select 1 from ${schools} where ${schools.id} = ${submission.school.schoolId})`,
      classSchoolId: sql<string | null>`(select ${classes.schoolId} from ${classes} where ${classes.id} = ${submission.school.classId})`,
      classGrade: sql<string | null>`(select ${classes.grade} from ${classes} where ${classes.id} = ${submission.school.classId})`,
      lastVersion: sql<number | null>`(select max(${profileVersions.version}) from ${profileVersions} where ${profileVersions.studentId} = ${student.id})`,
      idTaken: sql<boolean>`exists (select 1 from ${students} where ${students.residentIdIndex} = ${residentIdIndex}
        and ${students.approvedVersionId} is not null and ${students.id} <> ${student.id})`,
    })
    .from(sql`(select 1) as one`);
  const [current] = student.currentVersionId
    ? await tx.select().from(profileVersions).where(eq(profileVersions.id, student.currentVersionId))
    : [];
  return { ...row!, current };
}

export async function submitProfile(
  ctx: Pick<AppContext, 'db' | 'pii'>,
  actor: Actor,
  studentId: string,
  submission: ProfileSubmission,
  meta: RequestMeta,
): Promise<SubmissionResult> {
  const sealed = sealProfileSnapshot(ctx.pii, submission);
  return ctx.db.transaction(async (tx) => {
      const student = await loadOwnStudent(tx, actor.id, studentId, { forUpdate: true });
      const { current, lastVersion, idTaken, ...found } = await checkContext(tx, student, submission, sealed.residentIdIndex);
      checkSchoolAndClass(submission.school, found);

      const from = (current?.status ?? 'draft') as ReviewState;
      const choice = submissionEvent(from, () => keyFieldsChanged(keyFieldsOf(openVersionContent(ctx.pii, current!)), keyFieldsOf(submission)));
      if ('refused' in choice) throw new AppError(choice.refused);
      const { event } = choice;
      const status = transition(from, event);

      // The writes of a submission in one statement (data-modifying CTEs; foreign keys are checked at its end):
      // the version, the consent, the student pointing at it, the registry-match outbox row, the draft gone, the audit row.
      const versionId = randomUUID();
      const version = (lastVersion ?? 0) + 1;
      const audit = auditRow({
        meta,
        actor,
        action: 'profile.submitted',
        subject: { type: 'profile_version', id: versionId },
        detail: { studentId: student.id, event: event.type, version, consent: Boolean(submission.consent), ...(idTaken ? { claimsApprovedId: true } : {}) },
      });
      const consent = submission.consent;
      // Until a version is approved, the student's ID and class are those of the latest submission;
      // afterwards they stay those of the approved version (approveVersion moves them).
      const followSubmission = !student.approvedVersionId;
      await tx.execute(sql`
        with version as (
          insert into ${profileVersions} (id, student_id, version, status, data, pii_cipher, resident_id_index, school_id, class_id, grade, submitted_by)
          values (${versionId}, ${student.id}, ${version}, ${status}, ${JSON.stringify(sealed.data)}::jsonb, ${sealed.piiCipher},
                  ${sealed.residentIdIndex}, ${submission.school.schoolId}, ${submission.school.classId}, ${submission.school.grade}, ${actor.id})
          returning id
        ), consent as (
          insert into ${guardianConsents} (student_id, profile_version_id, account_id, guardian_index, policy_version, ip)
          select ${student.id}::uuid, id, ${actor.id}::uuid, ${consent?.guardianIndex ?? 0}::int, ${consent?.policyVersion ?? ''}::text, ${meta.ip}::text
          from version where ${Boolean(consent)}::boolean
        ), student as (
          update ${students} set current_version_id = (select id from version), status = ${status}, updated_at = now(),
            resident_id_index = case when ${followSubmission}::boolean then ${sealed.residentIdIndex} else resident_id_index end,
            class_id = case when ${followSubmission}::boolean then ${submission.school.classId}::uuid else class_id end
          where id = ${student.id}
        ), outbox_row as (
          ${outboxInsert('registry-match', { profileVersionId: versionId })}
        ), draft as (
          delete from ${profileDrafts} where student_id = ${student.id}
        )
        insert into ${auditLog} (actor_account_id, actor_role, action, subject_type, subject_id, ip, request_id, detail, success)
        values (${audit.actorAccountId}, ${audit.actorRole}, ${audit.action}, ${audit.subjectType}, ${audit.subjectId}, ${audit.ip},
                ${audit.requestId}, ${audit.detail === null ? null : JSON.stringify(audit.detail)}::jsonb, ${audit.success})`);
      return { studentId: student.id, versionId, version, status, statusLabel: statusLabel(status) };
    });
}
