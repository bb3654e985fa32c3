/**
 * A family's students: the list (审核进度 overview), adding a student, and one
 * student's detail with the status timeline (已提交 → 比对中 → 待班主任审核 →
 * 已通过 / 已退回), the card and the latest profile, masked.
 *
 * Adding: a parent account may hold several children (at most
 * MAX_STUDENTS_PER_FAMILY); a student account holds one student, itself. The
 * account row is locked while counting, so two requests at once cannot both
 * pass the limit.
 */
import { and, asc, count, desc, eq, inArray, type SQL } from 'drizzle-orm';
import {
  MAX_STUDENTS_PER_FAMILY,
  STUDENT_ACTIONS,
  TIMELINE_STEP_LABELS,
  type CardView,
  type StudentDetail,
  type StudentSummary,
  type TimelineEntry,
  type TimelineStep,
} from '../../../domain/api/profiles';
import { hasValidCard } from '../../../domain/card/card-holder';
import { AppError } from '../../../domain/errors';
import { maskName } from '../../../domain/masking';
import { REVIEW_STATE_LABELS, type ReviewState } from '../../../domain/review/state-machine';
import type { AppContext } from '../../context';
import type { DbOrTx } from '../../db/client';
import { accounts, auditLog, profileDrafts, profileVersions, students } from '../../db/schema';
import type { RequestMeta } from '../accounts/request-meta';
import { loadOwnStudent, openVersionContent, presentMaskedProfile, schoolClassNames, toIso, type Actor, type StudentRow } from './profile-content';
import { writeAudit } from '../audit/audit';

type VersionRow = typeof profileVersions.$inferSelect;

export function statusLabel(status: string): string {
  return REVIEW_STATE_LABELS[status as ReviewState] ?? status;
}

export function presentCard(student: Pick<StudentRow, 'cardNumber' | 'cardIssuedAt' | 'cardRevokedAt'>): CardView | null {
  if (!student.cardNumber || !student.cardIssuedAt) return null;
  return { number: student.cardNumber, issuedAt: student.cardIssuedAt.toISOString(), valid: student.cardRevokedAt === null };
}

function presentVersionSummary(v: Pick<VersionRow, 'id' | 'version' | 'status' | 'submittedAt' | 'contactOnly'>) {
  return {
    id: v.id,
    version: v.version,
    status: v.status as ReviewState,
    statusLabel: statusLabel(v.status),
    submittedAt: v.submittedAt.toISOString(),
    contactOnly: v.contactOnly,
  };
}

function nameOf(data: unknown): string | null {
  const name = (data as { personal?: { name?: unknown } } | null)?.personal?.name;
  return typeof name === 'string' && name.trim() !== '' ? name : null;
}

interface SummaryRow {
  student: StudentRow;
  version: Pick<VersionRow, 'id' | 'version' | 'status' | 'submittedAt' | 'contactOnly' | 'data'> | null;
  draftData: unknown;
}

function presentSummary({ student, version, draftData }: SummaryRow): StudentSummary {
  const name = nameOf(version?.data) ?? nameOf(draftData);
  return {
    id: student.id,
    status: student.status as ReviewState,
    statusLabel: statusLabel(student.status),
    nameMasked: name ? maskName(name) : null,
    card: presentCard(student),
    hasValidCard: hasValidCard(student),
    latestVersion: version ? presentVersionSummary(version) : null,
    hasDraft: draftData !== null && draftData !== undefined,
    createdAt: student.createdAt.toISOString(),
  };
}

async function summaryRows(db: DbOrTx, where: SQL, page = 1, pageSize = 1): Promise<SummaryRow[]> {
  const rows = await db
    .select({
      student: students,
      versionId: profileVersions.id,
      versionNumber: profileVersions.version,
      versionStatus: profileVersions.status,
      submittedAt: profileVersions.submittedAt,
      contactOnly: profileVersions.contactOnly,
      versionData: profileVersions.data,
      draftData: profileDrafts.data,
    })
    .from(students)
    .leftJoin(profileVersions, eq(profileVersions.id, students.currentVersionId))
    .leftJoin(profileDrafts, eq(profileDrafts.studentId, students.id))
    .where(where)
    .orderBy(asc(students.createdAt), asc(students.id))
    .limit(pageSize)
    .offset((page - 1) * pageSize);
  return rows.map((r) => ({
    student: r.student,
    version:
      r.versionId && r.versionNumber !== null && r.versionStatus && r.submittedAt && r.contactOnly !== null
        ? {
            id: r.versionId,
            version: r.versionNumber,
            status: r.versionStatus,
            submittedAt: r.submittedAt,
            contactOnly: r.contactOnly,
            data: r.versionData,
          }
        : null,
    draftData: r.draftData ?? null,
  }));
}

export async function listStudents(
  ctx: Pick<AppContext, 'db'>,
  familyAccountId: string,
  paging: { page: number; pageSize: number },
): Promise<{ items: StudentSummary[]; page: number; pageSize: number; total: number }> {
  const where = eq(students.familyAccountId, familyAccountId);
  const [{ total } = { total: 0 }] = await ctx.db.select({ total: count() }).from(students).where(where);
  const rows = await summaryRows(ctx.db, where, paging.page, paging.pageSize);
  return { items: rows.map(presentSummary), page: paging.page, pageSize: paging.pageSize, total };
}

export async function createStudent(ctx: Pick<AppContext, 'db'>, actor: Actor, meta: RequestMeta): Promise<StudentSummary> {
  const student = await ctx.db.transaction(async (tx) => {
    await tx.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, actor.id)).for('update');
    const [{ n } = { n: 0 }] = await tx.select({ n: count() }).from(students).where(eq(students.familyAccountId, actor.id));
    if (actor.role === 'student' && n >= 1) throw new AppError('STUDENT_ACCOUNT_SINGLE');
    if (n >= MAX_STUDENTS_PER_FAMILY) throw new AppError('FAMILY_STUDENT_LIMIT');
    const [row] = await tx.insert(students).values({ familyAccountId: actor.id, status: 'draft' }).returning();
    await writeAudit(tx, { meta, actor, action: 'student.created', subject: { type: 'student', id: row!.id } });
    return row!;
  });
  return presentSummary({ student, version: null, draftData: null });
}

/**
 * Delete a student never submitted (status draft, no version): its draft goes
 * with it. Anything submitted stays (409): versions are the audit trail.
 */
export async function deleteDraftStudent(ctx: Pick<AppContext, 'db'>, actor: Actor, studentId: string, meta: RequestMeta): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const student = await loadOwnStudent(tx, actor.id, studentId, { forUpdate: true });
    const [{ n } = { n: 0 }] = await tx.select({ n: count() }).from(profileVersions).where(eq(profileVersions.studentId, student.id));
    if (student.status !== 'draft' || student.currentVersionId !== null || Number(n) > 0) {
      throw new AppError('CONFLICT', { message: '已提交过的学生不能删除' });
    }
    await tx.delete(profileDrafts).where(eq(profileDrafts.studentId, student.id));
    await tx.delete(students).where(eq(students.id, student.id));
    await writeAudit(tx, { meta, actor, action: 'student.deleted', subject: { type: 'student', id: student.id } });
  });
}

/** Audit actions that mark steps of the timeline. */
const TIMELINE_AUDIT_ACTIONS = ['review.sent_to_teacher'];

/** The timeline of a student's versions, oldest first; see TIMELINE_STEP_LABELS. */
export function buildTimeline(
  versions: readonly VersionRow[],
  sentToTeacherAt: ReadonlyMap<string, Date>,
): TimelineEntry[] {
  const entries: Omit<TimelineEntry, 'current'>[] = [];
  const submissions = submissionNumbers(versions);
  const push = (v: VersionRow, step: TimelineStep, at: Date, note: string | null = null) =>
    entries.push({ step, label: TIMELINE_STEP_LABELS[step], at: at.toISOString(), versionId: v.id, version: v.version, submission: submissions.get(v.id) ?? 1, note });
  for (const v of versions) {
    if (v.contactOnly) {
      push(v, 'contact_updated', v.submittedAt);
      continue;
    }
    push(v, 'submitted', v.submittedAt);
    push(v, 'matching', v.submittedAt);
    const sent = sentToTeacherAt.get(v.id);
    if (sent) push(v, 'pending_review', sent);
    else if (v.status === 'pending_review') push(v, 'pending_review', v.statusChangedAt);
    if (v.status === 'withdrawn') {
      // Returned first (decided, with the reason) or taken back while waiting.
      if (v.decidedAt && v.reviewReason) push(v, 'returned', v.decidedAt, v.reviewReason);
      push(v, 'withdrawn', v.statusChangedAt, '已保留原有信息，教育卡继续有效');
    } else if (v.status === 'returned') push(v, 'returned', v.decidedAt ?? v.statusChangedAt, v.reviewReason);
    else if (v.decidedAt) push(v, 'approved', v.decidedAt, v.reviewedBy ? '班主任审核通过' : '学籍比对自动通过');
  }
  return entries.map((e, i) => ({ ...e, current: i === entries.length - 1 }));
}

/** What the family may do next, from the student's state. */
export function studentActions(student: StudentRow): StudentDetail['actions'] {
  const onApproved = student.approvedVersionId !== null && student.currentVersionId === student.approvedVersionId;
  const actions: (typeof STUDENT_ACTIONS)[number][] = [];
  switch (student.status as ReviewState) {
    case 'draft':
    case 'returned':
      actions.push('submit');
      break;
    case 'reconfirm_required':
      actions.push('reconfirm', 'submit');
      break;
    case 'approved':
      actions.push('resubmit_key_change');
      break;
    default:
      break;
  }
  if (onApproved && (student.status === 'approved' || student.status === 'reconfirm_required')) actions.push('edit_contact');
  if (changeState(student) !== null && WITHDRAWABLE_STATES.includes(student.status)) actions.push('withdraw_change');
  return actions;
}

/** A change the family may take back: waiting for the head teacher, or returned (keep the current data). */
export const WITHDRAWABLE_STATES: readonly string[] = ['pending_review', 'returned'];

/** A key-field change on top of a valid card (the latest version is not the approved one): in review or returned. */
export function changeState(student: StudentRow): 'in_review' | 'returned' | null {
  if (!hasValidCard(student) || student.currentVersionId === null || student.currentVersionId === student.approvedVersionId) return null;
  if (student.status === 'returned') return 'returned';
  if (student.status === 'submitted' || student.status === 'matching' || student.status === 'pending_review') return 'in_review';
  return null;
}

/** 第 N 次提交 of each version: submissions counted, contact edits not. */
export function submissionNumbers(versions: readonly Pick<VersionRow, 'id' | 'version' | 'contactOnly'>[]): Map<string, number> {
  const out = new Map<string, number>();
  let n = 0;
  for (const v of [...versions].sort((a, b) => a.version - b.version)) {
    if (!v.contactOnly) n += 1;
    out.set(v.id, Math.max(n, 1));
  }
  return out;
}

/**
 * One student of the family. With `reveal: 'residentId'` the answer also
 * carries the full resident ID of the latest version, once, and an audit row
 * 'profile.reveal_resident_id' is written.
 */
export async function getStudentDetail(
  ctx: Pick<AppContext, 'db' | 'pii'>,
  actor: Actor,
  studentId: string,
  options: { reveal?: 'residentId' | undefined; meta: RequestMeta },
): Promise<StudentDetail> {
  const student = await loadOwnStudent(ctx.db, actor.id, studentId);
  const versions = await ctx.db
    .select()
    .from(profileVersions)
    .where(eq(profileVersions.studentId, student.id))
    .orderBy(asc(profileVersions.version));
  const ids = versions.map((v) => v.id);
  const audits = ids.length
    ? await ctx.db
        .select({ subjectId: auditLog.subjectId, at: auditLog.at })
        .from(auditLog)
        .where(
          and(eq(auditLog.subjectType, 'profile_version'), inArray(auditLog.subjectId, ids), inArray(auditLog.action, TIMELINE_AUDIT_ACTIONS)),
        )
        .orderBy(desc(auditLog.at))
    : [];
  const sentToTeacherAt = new Map<string, Date>();
  for (const a of audits) if (a.subjectId && !sentToTeacherAt.has(a.subjectId)) sentToTeacherAt.set(a.subjectId, a.at);

  const [draft] = await ctx.db.select({ data: profileDrafts.data }).from(profileDrafts).where(eq(profileDrafts.studentId, student.id));
  const latest = versions.find((v) => v.id === student.currentVersionId) ?? versions.at(-1) ?? null;
  const content = latest ? openVersionContent(ctx.pii, latest) : null;
  const summary = presentSummary({ student, version: latest, draftData: draft?.data ?? null });
  const submissions = submissionNumbers(versions);
  const change = changeState(student);
  const approved = change ? versions.find((v) => v.id === student.approvedVersionId) : undefined;
  const approvedContent = approved ? openVersionContent(ctx.pii, approved) : null;

  const detail: StudentDetail = {
    ...summary,
    approvedVersionId: student.approvedVersionId,
    latest:
      latest && content
        ? {
            ...presentVersionSummary(latest),
            submission: submissions.get(latest.id) ?? 1,
            decidedAt: toIso(latest.decidedAt),
            returnReason: latest.status === 'returned' ? latest.reviewReason : null,
            matchOutcome: latest.matchOutcome,
            profile: presentMaskedProfile(content, await schoolClassNames(ctx.db, latest.schoolId, latest.classId)),
          }
        : null,
    approved:
      approved && approvedContent
        ? {
            id: approved.id,
            version: approved.version,
            decidedAt: toIso(approved.decidedAt),
            profile: presentMaskedProfile(approvedContent, await schoolClassNames(ctx.db, approved.schoolId, approved.classId)),
          }
        : null,
    change:
      change && latest
        ? {
            state: change,
            versionId: latest.id,
            submission: submissions.get(latest.id) ?? 1,
            statusLabel: statusLabel(latest.status),
            submittedAt: latest.submittedAt.toISOString(),
            returnReason: change === 'returned' ? latest.reviewReason : null,
          }
        : null,
    timeline: buildTimeline(versions, sentToTeacherAt),
    actions: studentActions(student),
  };

  if (options.reveal === 'residentId' && latest && content) {
    await writeAudit(ctx.db, {
      meta: options.meta,
      actor,
      action: 'profile.reveal_resident_id',
      subject: { type: 'student', id: student.id },
      detail: { versionId: latest.id },
    });
    detail.revealed = { residentId: content.personal.residentId };
  }
  return detail;
}
