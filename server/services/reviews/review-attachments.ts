/**
 * Review evidence: a photo or PDF a family attaches because the head teacher's
 * return reason asks for a document (借读证明 …, domain returnAsksForDocument).
 *
 * - Families attach while the return is open (the student's current version is
 *   that returned version), at most MAX_ATTACHMENTS_PER_RETURN per return, and
 *   may delete them until they resubmit. They see names and sizes, never the
 *   files again: the evidence is for the reviewers.
 * - Reviewers (the class's head teacher, the school's admin: assertMayReview)
 *   see, with a later submission, the attachments that answered the returns
 *   before it; every download is audited.
 * - Files go through the upload guard (JPEG/PNG/PDF by magic bytes, no
 *   executable content, ATTACHMENT_MAX_BYTES) into storage.
 * - Retention: removed ATTACHMENT_RETENTION_DAYS after a later submission of
 *   the student was decided (removeDecidedEvidence, run by the cleanup job).
 */
import { and, asc, count, eq, lt, sql } from 'drizzle-orm';
import { EVIDENCE_CONTENT_TYPES, MAX_ATTACHMENTS_PER_RETURN, returnAsksForDocument, type AttachmentView } from '../../../domain/api/uploads';
import { AppError } from '../../../domain/errors';
import type { AppContext } from '../../context';
import { rowsOf, type DbOrTx } from '../../db/client';
import { profileVersions, reviewAttachments } from '../../db/schema';
import type { FileStorage, StoredFile } from '../../storage/file-storage';
import { storeUpload } from '../../storage/store-upload';
import type { RequestMeta } from '../accounts/request-meta';
import { writeAudit } from '../audit/audit';
import { loadOwnStudent, type Actor } from '../profiles/profile-content';
import { assertMayReview, type Reviewer } from './review-scope';
import type { Readable } from 'node:stream';

type AttachmentRow = typeof reviewAttachments.$inferSelect;

function present(row: AttachmentRow): AttachmentView {
  return {
    id: row.id,
    fileName: row.fileName,
    contentType: row.contentType as AttachmentView['contentType'],
    size: row.size,
    createdAt: row.createdAt.toISOString(),
  };
}

/** The returned version whose reason asks for a document, when it is still the student's current version. */
async function openReturn(db: DbOrTx, student: { currentVersionId: string | null }) {
  if (!student.currentVersionId) return null;
  const [version] = await db
    .select({ id: profileVersions.id, status: profileVersions.status, reason: profileVersions.reviewReason })
    .from(profileVersions)
    .where(eq(profileVersions.id, student.currentVersionId));
  return version && version.status === 'returned' && returnAsksForDocument(version.reason) ? version : null;
}

async function countFor(db: DbOrTx, returnedVersionId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(reviewAttachments).where(eq(reviewAttachments.returnedVersionId, returnedVersionId));
  return row!.n;
}

/** The family's view: what is attached to the open return (empty when none is open or it asks for no document). */
export async function listFamilyEvidence(app: Pick<AppContext, 'db' | 'config'>, family: Actor, studentId: string) {
  const student = await loadOwnStudent(app.db, family.id, studentId);
  const open = await openReturn(app.db, student);
  const rows = open
    ? await app.db.select().from(reviewAttachments).where(eq(reviewAttachments.returnedVersionId, open.id)).orderBy(asc(reviewAttachments.createdAt))
    : [];
  return { items: rows.map(present), maxItems: MAX_ATTACHMENTS_PER_RETURN, maxBytes: app.config.ATTACHMENT_MAX_BYTES };
}

export async function attachFamilyEvidence(
  app: Pick<AppContext, 'db' | 'storage' | 'config'>,
  family: Actor,
  meta: RequestMeta,
  upload: { studentId: string; source: Readable; declaredLength: number | null; fileName: string },
): Promise<AttachmentView> {
  const student = await loadOwnStudent(app.db, family.id, upload.studentId);
  const open = await openReturn(app.db, student);
  if (!open) throw new AppError('ATTACHMENT_NOT_REQUESTED');
  // Checked before the bytes are read, and again under the student's lock once they are stored.
  if ((await countFor(app.db, open.id)) >= MAX_ATTACHMENTS_PER_RETURN) throw new AppError('ATTACHMENT_LIMIT');
  const stored = await storeUpload(app.storage, upload.source, {
    accept: EVIDENCE_CONTENT_TYPES,
    maxBytes: app.config.ATTACHMENT_MAX_BYTES,
    declaredLength: upload.declaredLength,
  });
  try {
    return await app.db.transaction(async (tx) => {
      const locked = await loadOwnStudent(tx, family.id, upload.studentId, { forUpdate: true });
      const still = await openReturn(tx, locked);
      if (!still || still.id !== open.id) throw new AppError('ATTACHMENT_NOT_REQUESTED');
      if ((await countFor(tx, open.id)) >= MAX_ATTACHMENTS_PER_RETURN) throw new AppError('ATTACHMENT_LIMIT');
      const [row] = await tx
        .insert(reviewAttachments)
        .values({
          studentId: locked.id,
          returnedVersionId: open.id,
          fileId: stored.id,
          fileName: upload.fileName,
          contentType: stored.contentType,
          size: stored.size,
          uploadedBy: family.id,
        })
        .returning();
      await writeAudit(tx, {
        actor: family,
        action: 'review.attachment_uploaded',
        subject: { type: 'review_attachment', id: row!.id },
        detail: { studentId: locked.id, returnedVersionId: open.id, contentType: stored.contentType, size: stored.size, sha256: stored.sha256 },
        meta,
      });
      return present(row!);
    });
  } catch (err) {
    await app.storage.delete(stored.id).catch(() => undefined);
    throw err;
  }
}

/** A family removes an attachment of the open return (a wrong photo) before resubmitting. */
export async function deleteFamilyEvidence(app: Pick<AppContext, 'db' | 'storage'>, family: Actor, meta: RequestMeta, studentId: string, attachmentId: string) {
  const fileId = await app.db.transaction(async (tx) => {
    const student = await loadOwnStudent(tx, family.id, studentId, { forUpdate: true });
    const open = await openReturn(tx, student);
    const [row] = await tx
      .select()
      .from(reviewAttachments)
      .where(and(eq(reviewAttachments.id, attachmentId), eq(reviewAttachments.studentId, student.id)));
    if (!row) throw new AppError('NOT_FOUND');
    // Once resubmitted, the attachment is part of what the reviewer decides on.
    if (!open || row.returnedVersionId !== open.id) throw new AppError('CONFLICT', { message: '已重新提交的附件不能删除' });
    await tx.delete(reviewAttachments).where(eq(reviewAttachments.id, row.id));
    await writeAudit(tx, { actor: family, action: 'review.attachment_deleted', subject: { type: 'review_attachment', id: row.id }, detail: { studentId: student.id }, meta });
    return row.fileId;
  });
  await app.storage.delete(fileId);
  return { attachmentId, deleted: true as const };
}

/** The attachments a reviewer sees with version `versionId`: those answering the returns of earlier versions of the student. */
async function reviewerAttachments(app: Pick<AppContext, 'db'>, reviewer: Reviewer, versionId: string) {
  const [version] = await app.db.select().from(profileVersions).where(eq(profileVersions.id, versionId));
  if (!version) throw new AppError('NOT_FOUND');
  await assertMayReview(app.db, reviewer, version);
  const rows = await app.db
    .select({ attachment: reviewAttachments })
    .from(reviewAttachments)
    .innerJoin(profileVersions, eq(profileVersions.id, reviewAttachments.returnedVersionId))
    .where(and(eq(reviewAttachments.studentId, version.studentId), lt(profileVersions.version, version.version)))
    .orderBy(asc(reviewAttachments.createdAt));
  return { version, rows: rows.map((r) => r.attachment) };
}

export async function listReviewEvidence(app: Pick<AppContext, 'db' | 'config'>, reviewer: Reviewer, versionId: string) {
  const { rows } = await reviewerAttachments(app, reviewer, versionId);
  return { items: rows.map(present), maxItems: MAX_ATTACHMENTS_PER_RETURN, maxBytes: app.config.ATTACHMENT_MAX_BYTES };
}

export async function openReviewEvidence(
  app: Pick<AppContext, 'db' | 'storage'>,
  reviewer: Reviewer,
  meta: RequestMeta,
  versionId: string,
  attachmentId: string,
): Promise<{ file: StoredFile; fileName: string }> {
  const { rows } = await reviewerAttachments(app, reviewer, versionId);
  const row = rows.find((r) => r.id === attachmentId);
  if (!row) throw new AppError('NOT_FOUND');
  const file = await app.storage.get(row.fileId);
  if (!file) throw new AppError('NOT_FOUND');
  await writeAudit(app.db, {
    actor: { id: reviewer.id, role: reviewer.role },
    action: 'review.attachment_downloaded',
    subject: { type: 'review_attachment', id: row.id },
    detail: { studentId: row.studentId, versionId },
    meta,
  });
  return { file, fileName: row.fileName };
}

/**
 * Retention (the cleanup job): attachments of a student one of whose later
 * submissions was decided more than `days` ago, in batches; their files first
 * from storage, then the rows. Returns how many were removed.
 */
export async function removeDecidedEvidence(ctx: { db: DbOrTx; storage: FileStorage }, days: number, options: { batchSize?: number; maxBatches?: number } = {}): Promise<number> {
  const batchSize = options.batchSize ?? 500;
  let removed = 0;
  for (let i = 0; i < (options.maxBatches ?? 100); i += 1) {
    const due = rowsOf<{ id: string; file_id: string }>(
      await ctx.db.execute(sql`
        select a.id, a.file_id from ${reviewAttachments} a
        join ${profileVersions} r on r.id = a.returned_version_id
        where exists (
          select 1 from ${profileVersions} later
          where later.student_id = a.student_id and later.version > r.version and not later.contact_only
            and later.decided_at < now() - make_interval(days => ${days}))
        limit ${batchSize}`),
    );
    for (const row of due) {
      await ctx.storage.delete(row.file_id);
      await ctx.db.delete(reviewAttachments).where(eq(reviewAttachments.id, row.id));
    }
    removed += due.length;
    if (due.length < batchSize) break;
  }
  return removed;
}

