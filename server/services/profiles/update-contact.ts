/**
 * The 电子档案 contact edit: the student's phone and e-mail, each guardian's
 * phone and address. Contact fields never block approval (DESIGN §2), so the
 * edit applies at once, without matching or review.
 *
 * Model: versions stay immutable, so the edit writes a new version row flagged
 * `contact_only` that copies the approved version's key fields, status and
 * decision (match outcome and diff, reviewer, decided_at) and carries the new
 * contact fields. No transition happens — the student's review state is the
 * same before and after — so nothing "sets a status": the status is carried
 * forward. The student's current and approved version pointers move to the new
 * row (same resident ID, same class, same card); no outbox row is written.
 *
 * Allowed only while the latest version is the approved one (status approved,
 * or reconfirm_required at a new semester); while a key-field change is being
 * matched or reviewed, or after it was returned, the family corrects the
 * contact fields in that submission instead (409 CONTACT_EDIT_UNAVAILABLE).
 */
import { eq, max, sql } from 'drizzle-orm';
import type { UpdateContactRequest } from '../../../domain/api/profiles';
import { AppError } from '../../../domain/errors';
import type { AppContext } from '../../context';
import { profileVersions, students } from '../../db/schema';
import type { RequestMeta } from '../accounts/request-meta';
import { loadOwnStudent, openVersionContent, sealProfileContent, type Actor } from './profile-content';
import { writeAudit } from '../audit/audit';

const EDITABLE_STATES: readonly string[] = ['approved', 'reconfirm_required'];

export async function updateContact(
  ctx: Pick<AppContext, 'db' | 'pii'>,
  actor: Actor,
  studentId: string,
  change: UpdateContactRequest,
  meta: RequestMeta,
): Promise<{ versionId: string; version: number; changedFields: string[] }> {
  return ctx.db.transaction(async (tx) => {
    const student = await loadOwnStudent(tx, actor.id, studentId, { forUpdate: true });
    if (!student.approvedVersionId || student.currentVersionId !== student.approvedVersionId || !EDITABLE_STATES.includes(student.status)) {
      throw new AppError('CONTACT_EDIT_UNAVAILABLE');
    }
    const [approved] = await tx.select().from(profileVersions).where(eq(profileVersions.id, student.approvedVersionId)).for('update');
    if (!approved) throw new AppError('CONTACT_EDIT_UNAVAILABLE');

    const content = openVersionContent(ctx.pii, approved);
    const changedFields: string[] = [];
    if (change.personal?.phone !== undefined && change.personal.phone !== content.personal.phone) {
      content.personal.phone = change.personal.phone;
      changedFields.push('personal.phone');
    }
    if (change.personal?.email !== undefined && change.personal.email !== content.personal.email) {
      content.personal.email = change.personal.email;
      changedFields.push('personal.email');
    }
    const guardians = change.guardians ?? [];
    if (guardians.length > content.guardians.length) {
      throw new AppError('VALIDATION_FAILED', { fields: { 'body.guardians': `只能修改已登记的 ${content.guardians.length} 位监护人的联系方式` } });
    }
    guardians.forEach((g, i) => {
      const target = content.guardians[i]!;
      if (g.phone !== undefined && g.phone !== target.phone) {
        target.phone = g.phone;
        changedFields.push(`guardians.${i}.phone`);
      }
      if (g.address !== undefined && g.address !== target.address) {
        target.address = g.address;
        changedFields.push(`guardians.${i}.address`);
      }
    });
    if (changedFields.length === 0) return { versionId: approved.id, version: approved.version, changedFields };

    const consent = (approved.data as { consent?: Parameters<typeof sealProfileContent>[2] }).consent;
    const sealed = sealProfileContent(ctx.pii, content, consent);
    const [{ last } = { last: 0 }] = await tx
      .select({ last: max(profileVersions.version) })
      .from(profileVersions)
      .where(eq(profileVersions.studentId, student.id));
    const [version] = await tx
      .insert(profileVersions)
      .values({
        studentId: student.id,
        version: (last ?? 0) + 1,
        // Carried forward from the approved version: a contact edit is not a review event.
        status: approved.status,
        data: sealed.data,
        piiCipher: sealed.piiCipher,
        residentIdIndex: approved.residentIdIndex,
        schoolId: approved.schoolId,
        classId: approved.classId,
        grade: approved.grade,
        matchOutcome: approved.matchOutcome,
        matchDiff: approved.matchDiff,
        matchedRegistryId: approved.matchedRegistryId,
        assignedReviewerId: approved.assignedReviewerId,
        reviewedBy: approved.reviewedBy,
        reviewedAt: approved.reviewedAt,
        decidedAt: approved.decidedAt,
        approvalEvidence: approved.approvalEvidence,
        statusChangedAt: approved.statusChangedAt,
        submittedBy: actor.id,
        contactOnly: true,
      })
      .returning({ id: profileVersions.id, version: profileVersions.version });
    await tx
      .update(students)
      .set({ currentVersionId: version!.id, approvedVersionId: version!.id, updatedAt: sql`now()` })
      .where(eq(students.id, student.id));
    await writeAudit(tx, {
      meta,
      actor,
      action: 'profile.contact_updated',
      subject: { type: 'profile_version', id: version!.id },
      detail: { studentId: student.id, previousVersionId: approved.id, fields: changedFields },
    });
    return { versionId: version!.id, version: version!.version, changedFields };
  });
}
