/**
 * Withdrawing a key-field change (POST /api/students/:studentId/change/withdraw):
 * a family whose student holds a valid card takes back a change waiting for
 * the head teacher, or keeps its current data after the change was returned.
 *
 * The student row is locked first, then the version (the order of the
 * reviews), so a teacher deciding at the same moment either decides first
 * (the withdrawal then sees returned, or the new approved version and answers
 * 409) or finds the version withdrawn (409 from the state machine). The
 * version moves to `withdrawn` (history), the student goes back to its
 * approved version — status, current version — and an audit row is written.
 * A change still being matched (seconds) answers 409: try again.
 */
import { eq } from 'drizzle-orm';
import type { StudentDetail } from '../../../domain/api/profiles';
import { AppError } from '../../../domain/errors';
import { transition, type ReviewState } from '../../../domain/review/state-machine';
import type { AppContext } from '../../context';
import { profileVersions, students } from '../../db/schema';
import type { RequestMeta } from '../accounts/request-meta';
import { loadOwnStudent, type Actor } from './profile-content';
import { writeAudit } from '../audit/audit';
import { changeState, getStudentDetail } from './students';

export async function withdrawChange(ctx: Pick<AppContext, 'db' | 'pii'>, actor: Actor, studentId: string, meta: RequestMeta): Promise<StudentDetail> {
  await ctx.db.transaction(async (tx) => {
    const student = await loadOwnStudent(tx, actor.id, studentId, { forUpdate: true });
    const state = changeState(student);
    if (state === null) throw new AppError('CONFLICT', { message: '没有可以撤回的信息变更' });
    const [version] = await tx.select().from(profileVersions).where(eq(profileVersions.id, student.currentVersionId!)).for('update');
    if (!version) throw new AppError('CONFLICT', { message: '没有可以撤回的信息变更' });
    if (version.status === 'submitted' || version.status === 'matching') {
      throw new AppError('CONFLICT', { message: '正在与学籍库比对，请稍后再试' });
    }
    const status = transition(version.status as ReviewState, { type: 'family_withdraw' });
    const [approved] = await tx.select({ status: profileVersions.status }).from(profileVersions).where(eq(profileVersions.id, student.approvedVersionId!));
    await tx.update(profileVersions).set({ status, statusChangedAt: new Date() }).where(eq(profileVersions.id, version.id));
    await tx
      .update(students)
      .set({ currentVersionId: student.approvedVersionId, status: approved?.status ?? 'approved', updatedAt: new Date() })
      .where(eq(students.id, student.id));
    await writeAudit(tx, {
      meta,
      actor,
      action: 'profile.change_withdrawn',
      subject: { type: 'profile_version', id: version.id },
      detail: { studentId: student.id, from: version.status, approvedVersionId: student.approvedVersionId },
    });
  });
  return getStudentDetail(ctx, actor, studentId, { meta });
}
