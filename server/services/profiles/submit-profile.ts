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
 * - nothing in flight: a version submitted / matching / pending_review → 409
 *   SUBMISSION_PENDING (the student row is locked, so two submissions at once
 *   cannot both pass);
 * - the event comes from the state of the latest version, and the state
 *   machine decides the new version's status: draft or returned → `submit`;
 *   reconfirm_required → `reconfirm` when the key fields are unchanged, else
 *   `submit`; approved → `resubmit_key_change` when a key field changed (the
 *   card stays valid until the new version is decided), else 409
 *   KEY_FIELDS_UNCHANGED (contact fields go through the 电子档案 edit);
 * - the resident ID already authenticated under another student → 409
 *   ID_ALREADY_APPROVED and an audit row 'profile.duplicate_id_attempt'
 *   (written after the rollback, so it survives it).
 *
 * The guardian consent (when given: required under 14) is recorded in
 * guardian_consents for the new version; the draft is deleted.
 */
import { and, eq, max, sql } from 'drizzle-orm';
import { AppError, errorMessage } from '../../../domain/errors';
import { keyFieldsChanged, keyFieldsOf } from '../../../domain/profile/key-fields';
import type { ProfileSubmission } from '../../../domain/profile/schemas';
import { transition, type ReviewEvent, type ReviewState } from '../../../domain/review/state-machine';
import type { AppContext } from '../../context';
import type { Tx } from '../../db/client';
import { classes, guardianConsents, profileDrafts, profileVersions, schools, students } from '../../db/schema';
import { writeOutbox } from '../../outbox/outbox';
import type { RequestMeta } from '../accounts/request-meta';
import { sealProfileSnapshot } from '../profile-snapshot';
import { IdAlreadyApprovedError, residentIdApprovedElsewhere } from '../review-approval';
import { loadOwnStudent, openVersionContent, writeAudit, type Actor } from './profile-content';
import { statusLabel } from './students';

/** Statuses of a version that is still being matched or reviewed. */
export const IN_FLIGHT_STATES: readonly string[] = ['submitted', 'matching', 'pending_review'];

export interface SubmissionResult {
  studentId: string;
  versionId: string;
  version: number;
  status: ReviewState;
  statusLabel: string;
}

class DuplicateIdAttempt extends Error {
  constructor(readonly studentId: string) {
    super('resident ID already approved under another student');
  }
}

/** 400 unless the class exists and belongs to the school and the grade. */
async function checkSchoolAndClass(tx: Tx, school: ProfileSubmission['school']): Promise<void> {
  const [found] = await tx.select({ id: schools.id }).from(schools).where(eq(schools.id, school.schoolId));
  if (!found) throw new AppError('VALIDATION_FAILED', { fields: { 'body.school.schoolId': errorMessage('SCHOOL_INVALID') } });
  const [klass] = await tx
    .select({ schoolId: classes.schoolId, grade: classes.grade })
    .from(classes)
    .where(eq(classes.id, school.classId));
  if (!klass || klass.schoolId !== school.schoolId || klass.grade !== school.grade) {
    throw new AppError('VALIDATION_FAILED', { fields: { 'body.school.classId': '所选班级不存在，或不属于所选学校和年级' } });
  }
}

export async function submitProfile(
  ctx: Pick<AppContext, 'db' | 'pii'>,
  actor: Actor,
  studentId: string,
  submission: ProfileSubmission,
  meta: RequestMeta,
): Promise<SubmissionResult> {
  const sealed = sealProfileSnapshot(ctx.pii, submission);
  try {
    return await ctx.db.transaction(async (tx) => {
      const student = await loadOwnStudent(tx, actor.id, studentId, { forUpdate: true });
      await checkSchoolAndClass(tx, submission.school);

      const [current] = student.currentVersionId
        ? await tx.select().from(profileVersions).where(eq(profileVersions.id, student.currentVersionId))
        : [];
      const from = (current?.status ?? 'draft') as ReviewState;
      if (IN_FLIGHT_STATES.includes(from)) throw new AppError('SUBMISSION_PENDING');

      let event: ReviewEvent = { type: 'submit' };
      if (current && (from === 'approved' || from === 'reconfirm_required')) {
        const changed = keyFieldsChanged(keyFieldsOf(openVersionContent(ctx.pii, current)), keyFieldsOf(submission));
        if (from === 'approved') {
          if (!changed) throw new AppError('KEY_FIELDS_UNCHANGED');
          event = { type: 'resubmit_key_change' };
        } else if (!changed) {
          event = { type: 'reconfirm' };
        }
      }
      const status = transition(from, event);

      if (await residentIdApprovedElsewhere(tx, { studentId: student.id, residentIdIndex: sealed.residentIdIndex })) {
        throw new DuplicateIdAttempt(student.id);
      }

      const [{ last } = { last: 0 }] = await tx
        .select({ last: max(profileVersions.version) })
        .from(profileVersions)
        .where(eq(profileVersions.studentId, student.id));
      const [version] = await tx
        .insert(profileVersions)
        .values({
          studentId: student.id,
          version: (last ?? 0) + 1,
          status,
          data: sealed.data,
          piiCipher: sealed.piiCipher,
          residentIdIndex: sealed.residentIdIndex,
          schoolId: submission.school.schoolId,
          classId: submission.school.classId,
          grade: submission.school.grade,
          submittedBy: actor.id,
        })
        .returning();

      if (submission.consent) {
        await tx.insert(guardianConsents).values({
          studentId: student.id,
          profileVersionId: version!.id,
          accountId: actor.id,
          guardianIndex: submission.consent.guardianIndex,
          policyVersion: submission.consent.policyVersion,
          ip: meta.ip,
        });
      }

      // Until a version is approved, the student's ID and class are those of the latest submission;
      // afterwards they stay those of the approved version (approveVersion moves them).
      await tx
        .update(students)
        .set({
          currentVersionId: version!.id,
          status,
          updatedAt: sql`now()`,
          ...(student.approvedVersionId ? {} : { residentIdIndex: sealed.residentIdIndex, classId: submission.school.classId }),
        })
        .where(eq(students.id, student.id));
      await writeOutbox(tx, 'registry-match', { profileVersionId: version!.id });
      await tx.delete(profileDrafts).where(and(eq(profileDrafts.studentId, student.id)));
      await writeAudit(tx, meta, {
        actor,
        action: 'profile.submitted',
        subject: { type: 'profile_version', id: version!.id },
        detail: { studentId: student.id, event: event.type, version: version!.version, consent: Boolean(submission.consent) },
      });
      return { studentId: student.id, versionId: version!.id, version: version!.version, status, statusLabel: statusLabel(status) };
    });
  } catch (err) {
    if (err instanceof DuplicateIdAttempt) {
      await writeAudit(ctx.db, meta, {
        actor,
        action: 'profile.duplicate_id_attempt',
        subject: { type: 'student', id: err.studentId },
        detail: { residentIdIndex: sealed.residentIdIndex },
        success: false,
      });
      throw new IdAlreadyApprovedError();
    }
    throw err;
  }
}
