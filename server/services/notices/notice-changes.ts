/**
 * What the author may do to a published notice, within NOTICE_EDIT_WINDOW_HOURS
 * of publishing (409 NOTICE_EDIT_CLOSED after): edit its text, due date and
 * confirmation (families read the edited version; editedAt shows it was
 * edited), add images or PDFs (the upload guard, storage), or withdraw it
 * (families no longer list or open it; the author and the school still see
 * it, marked withdrawn). Only the author, never another teacher or the school
 * administrator: it is the author's word to the families. Every change is audited.
 * Attachments are served to whoever may open the notice.
 */
import type { Readable } from 'node:stream';
import { and, count, eq, sql } from 'drizzle-orm';
import { MAX_NOTICE_ATTACHMENTS, type NoticeAttachment, type UpdateNoticeRequest } from '../../../domain/api/notices';
import { EVIDENCE_CONTENT_TYPES } from '../../../domain/api/uploads';
import { AppError } from '../../../domain/errors';
import type { AppContext } from '../../context';
import type { Tx } from '../../db/client';
import { noticeAttachments, notices } from '../../db/schema';
import type { StoredFile } from '../../storage/file-storage';
import { storeUpload } from '../../storage/store-upload';
import type { RequestMeta } from '../accounts/request-meta';
import { writeAudit, type AuditEntry } from '../audit/audit';
import { editableUntil, getNotice, loadAuthoredNotice, type Actor } from './notices';

type Ctx = Pick<AppContext, 'db' | 'config'>;

async function lockEditable(ctx: Ctx, tx: Tx, actor: Actor, noticeId: string) {
  await loadAuthoredNotice(tx, actor, noticeId, { authorOnly: true });
  const [notice] = await tx.select().from(notices).where(eq(notices.id, noticeId)).for('update');
  if (notice!.withdrawnAt) throw new AppError('NOTICE_WITHDRAWN');
  if (editableUntil(ctx.config, notice!).getTime() <= Date.now()) throw new AppError('NOTICE_EDIT_CLOSED');
  return notice!;
}

function audit(meta: RequestMeta | null, actor: Actor, action: string, noticeId: string, detail: Record<string, unknown> | null = null): AuditEntry {
  return { actor: { id: actor.id, role: actor.role }, action, subject: { type: 'notice', id: noticeId }, detail, meta };
}

export async function editNotice(ctx: Ctx, actor: Actor, noticeId: string, changes: UpdateNoticeRequest, meta: RequestMeta | null) {
  return ctx.db.transaction(async (tx) => {
    const notice = await lockEditable(ctx, tx, actor, noticeId);
    const values = {
      ...(changes.title !== undefined ? { title: changes.title } : {}),
      ...(changes.body !== undefined ? { body: changes.body } : {}),
      ...(changes.dueDate !== undefined ? { dueDate: changes.dueDate ?? null } : {}),
      ...(changes.requiresConfirmation !== undefined ? { requiresConfirmation: changes.requiresConfirmation } : {}),
    };
    const [updated] = await tx.update(notices).set({ ...values, editedAt: sql`now()` }).where(eq(notices.id, notice.id)).returning();
    await writeAudit(tx, audit(meta, actor, 'notice.edited', notice.id, { fields: Object.keys(values) }));
    return { id: updated!.id, editedAt: updated!.editedAt?.toISOString() ?? null, withdrawnAt: null };
  });
}

export async function withdrawNotice(ctx: Ctx, actor: Actor, noticeId: string, meta: RequestMeta | null) {
  return ctx.db.transaction(async (tx) => {
    const notice = await lockEditable(ctx, tx, actor, noticeId);
    const [updated] = await tx.update(notices).set({ withdrawnAt: sql`now()` }).where(eq(notices.id, notice.id)).returning();
    await writeAudit(tx, audit(meta, actor, 'notice.withdrawn', notice.id));
    return { id: updated!.id, editedAt: updated!.editedAt?.toISOString() ?? null, withdrawnAt: updated!.withdrawnAt!.toISOString() };
  });
}

export async function attachToNotice(
  ctx: Pick<AppContext, 'db' | 'config' | 'storage'>,
  actor: Actor,
  noticeId: string,
  upload: { source: Readable; declaredLength: number | null; fileName: string },
  meta: RequestMeta | null,
): Promise<NoticeAttachment> {
  const attached = async (tx: Tx | AppContext['db']) =>
    (await tx.select({ n: count() }).from(noticeAttachments).where(eq(noticeAttachments.noticeId, noticeId)))[0]!.n;
  // Checked before the bytes are read, and again under the notice's lock once they are stored.
  await ctx.db.transaction(async (tx) => {
    await lockEditable(ctx, tx, actor, noticeId);
    if ((await attached(tx)) >= MAX_NOTICE_ATTACHMENTS) throw new AppError('ATTACHMENT_LIMIT');
  });
  const stored = await storeUpload(ctx.storage, upload.source, { accept: EVIDENCE_CONTENT_TYPES, maxBytes: ctx.config.ATTACHMENT_MAX_BYTES, declaredLength: upload.declaredLength });
  try {
    return await ctx.db.transaction(async (tx) => {
      await lockEditable(ctx, tx, actor, noticeId);
      if ((await attached(tx)) >= MAX_NOTICE_ATTACHMENTS) throw new AppError('ATTACHMENT_LIMIT');
      const [row] = await tx
        .insert(noticeAttachments)
        .values({ noticeId, fileId: stored.id, fileName: upload.fileName, contentType: stored.contentType, size: stored.size })
        .returning();
      await writeAudit(tx, audit(meta, actor, 'notice.attachment_added', noticeId, { attachmentId: row!.id, contentType: stored.contentType, size: stored.size }));
      return { id: row!.id, fileName: row!.fileName, contentType: stored.contentType as NoticeAttachment['contentType'], size: row!.size };
    });
  } catch (err) {
    await ctx.storage.delete(stored.id).catch(() => undefined);
    throw err;
  }
}

/** The file of an attachment, for whoever may open the notice (getNotice's rule: recipients while not withdrawn, the author, the school's admin). */
export async function openNoticeAttachment(
  ctx: Pick<AppContext, 'db' | 'config' | 'storage'>,
  actor: Actor,
  noticeId: string,
  attachmentId: string,
): Promise<{ file: StoredFile; fileName: string }> {
  await getNotice(ctx, actor, noticeId);
  const [row] = await ctx.db.select().from(noticeAttachments).where(and(eq(noticeAttachments.id, attachmentId), eq(noticeAttachments.noticeId, noticeId)));
  if (!row) throw new AppError('NOT_FOUND');
  const file = await ctx.storage.get(row.fileId);
  if (!file) throw new AppError('NOT_FOUND');
  return { file, fileName: row.fileName };
}
