/**
 * Registry imports by upload in the console (operators): the file streams into
 * storage (the API process only pipes bytes, whatever the file's size), a
 * registry_imports row and a `registry-import` outbox row are written in one
 * transaction, and the registry-import worker runs the same importer as
 * `npm run registry:import` (import-registry.ts) on the stored file, saving its
 * progress (bytes of the file read, rows read) as it goes. Its problems report
 * is stored next to the upload for the operator to download.
 *
 * Retention: the uploaded file and its report are removed
 * REGISTRY_UPLOAD_RETENTION_DAYS after the import ended (the daily cleanup job);
 * the history row and the registry batch stay.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { count, desc, eq, sql } from 'drizzle-orm';
import { AppError } from '../../../domain/errors';
import type { RegistryImportView } from '../../../domain/api/uploads';
import type { AppContext } from '../../context';
import { accounts, registryImports } from '../../db/schema';
import { writeOutbox } from '../../outbox/outbox';
import { storeUpload } from '../../storage/store-upload';
import type { StoredFile } from '../../storage/file-storage';
import type { RequestMeta } from '../accounts/request-meta';
import { writeAudit } from '../audit/audit';
import type { Actor } from '../profiles/profile-content';
import { RegistryFileError, importRegistryFile, type RegistryImportResult } from './import-registry';

type Row = typeof registryImports.$inferSelect;

const RESULT_KEYS = ['rowsRead', 'rowsValid', 'rowsRejected', 'warnings', 'inserted', 'updated', 'unchanged', 'schoolsCreated', 'classesCreated', 'problemCount'] as const;

function present(row: Row, createdBy: string | null): RegistryImportView {
  const done = row.status === 'succeeded' || row.status === 'failed';
  const percent = done ? 100 : row.fileSize > 0 ? Math.min(99, Math.floor((row.bytesRead / row.fileSize) * 100)) : 0;
  const result = row.result as Partial<Record<(typeof RESULT_KEYS)[number], number>> | null;
  return {
    id: row.id,
    fileName: row.fileName,
    fileSize: row.fileSize,
    dryRun: row.dryRun,
    status: row.status,
    percent,
    rowsRead: result?.rowsRead ?? row.rowsRead,
    counts: result ? (Object.fromEntries(RESULT_KEYS.map((k) => [k, result[k] ?? 0])) as RegistryImportView['counts']) : null,
    error: row.error,
    hasReport: row.reportFileId !== null,
    createdBy,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

export interface RegistryUpload {
  source: Readable;
  declaredLength: number | null;
  fileName: string;
  dryRun: boolean;
}

/** Store the uploaded file and queue its import; answers the queued import. */
export async function uploadRegistryFile(app: Pick<AppContext, 'db' | 'storage' | 'config'>, actor: Actor, meta: RequestMeta, upload: RegistryUpload): Promise<RegistryImportView> {
  const stored = await storeUpload(app.storage, upload.source, {
    accept: ['text/plain', 'application/zip'],
    typeError: 'REGISTRY_IMPORT_FILE_TYPE',
    maxBytes: app.config.REGISTRY_UPLOAD_MAX_BYTES,
    declaredLength: upload.declaredLength,
    contentTypeOf: (sniffed) => (sniffed === 'application/zip' ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv'),
  });
  try {
    const row = await app.db.transaction(async (tx) => {
      const [created] = await tx
        .insert(registryImports)
        .values({ fileId: stored.id, fileName: upload.fileName, fileSize: stored.size, dryRun: upload.dryRun, createdBy: actor.id })
        .returning();
      await writeOutbox(tx, 'registry-import', { importId: created!.id });
      await writeAudit(tx, {
        actor,
        action: 'registry_import.uploaded',
        subject: { type: 'registry_import', id: created!.id },
        detail: { size: stored.size, sha256: stored.sha256, dryRun: upload.dryRun },
        meta,
      });
      return created!;
    });
    return present(row, null);
  } catch (err) {
    await app.storage.delete(stored.id).catch(() => undefined);
    throw err;
  }
}

async function withCreator(app: Pick<AppContext, 'db'>, where: ReturnType<typeof eq> | undefined, page: { limit: number; offset: number }) {
  return app.db
    .select({ row: registryImports, createdBy: sql<string | null>`coalesce(${accounts.displayName}, ${accounts.username})` })
    .from(registryImports)
    .leftJoin(accounts, eq(accounts.id, registryImports.createdBy))
    .where(where)
    .orderBy(desc(registryImports.createdAt), desc(registryImports.id))
    .limit(page.limit)
    .offset(page.offset);
}

/** The history of imports, newest first (indexed on created_at). */
export async function listRegistryImports(app: Pick<AppContext, 'db'>, query: { page: number; pageSize: number }) {
  const rows = await withCreator(app, undefined, { limit: query.pageSize, offset: (query.page - 1) * query.pageSize });
  const [total] = await app.db.select({ n: count() }).from(registryImports);
  return { items: rows.map((r) => present(r.row, r.createdBy)), total: total!.n, page: query.page, pageSize: query.pageSize };
}

export async function getRegistryImport(app: Pick<AppContext, 'db'>, importId: string): Promise<RegistryImportView> {
  const [found] = await withCreator(app, eq(registryImports.id, importId), { limit: 1, offset: 0 });
  if (!found) throw new AppError('NOT_FOUND');
  return present(found.row, found.createdBy);
}

/** The problems report of an import, for download (audited). */
export async function openRegistryReport(app: Pick<AppContext, 'db' | 'storage'>, actor: Actor, meta: RequestMeta, importId: string): Promise<{ file: StoredFile; fileName: string }> {
  const [row] = await app.db.select().from(registryImports).where(eq(registryImports.id, importId));
  if (!row?.reportFileId) throw new AppError('NOT_FOUND');
  const file = await app.storage.get(row.reportFileId);
  if (!file) throw new AppError('NOT_FOUND');
  await writeAudit(app.db, { actor, action: 'registry_import.report_downloaded', subject: { type: 'registry_import', id: row.id }, meta });
  return { file, fileName: `${row.fileName.replace(/\.[^.]+$/, '')}-问题清单.csv` };
}

/** Counts the bytes flowing from storage into the importer: the progress the console shows. */
class ByteCounter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: (err: Error | null, data?: Buffer) => void): void {
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}

const PROGRESS_EVERY_MS = 500;

/**
 * The worker's part: import the stored file of one registry_imports row.
 * A row already finished is left alone (a re-delivered job changes nothing); a
 * row found `running` belongs to a worker that died, and is run again from the
 * start (the registry upsert by 学籍号 makes a second pass idempotent).
 */
export async function runRegistryImport(
  app: Pick<AppContext, 'db' | 'pii' | 'storage' | 'logger'>,
  importId: string,
  options: { progressEveryMs?: number } = {},
): Promise<{ status: 'succeeded' | 'failed' | 'skipped' }> {
  const [row] = await app.db.select().from(registryImports).where(eq(registryImports.id, importId));
  if (!row || row.status === 'succeeded' || row.status === 'failed') return { status: 'skipped' };
  const file = row.fileId ? await app.storage.get(row.fileId) : null;
  const finish = async (values: Partial<typeof registryImports.$inferInsert>) => {
    await app.db.update(registryImports).set({ ...values, finishedAt: new Date() }).where(eq(registryImports.id, importId));
  };
  if (!file) {
    await finish({ status: 'failed', error: '上传的文件已不存在，请重新上传' });
    return { status: 'failed' };
  }
  await app.db.update(registryImports).set({ status: 'running', startedAt: new Date(), bytesRead: 0, rowsRead: 0 }).where(eq(registryImports.id, importId));

  const counter = new ByteCounter();
  file.stream.on('error', (err) => counter.destroy(err));
  file.stream.pipe(counter);
  let rowsRead = 0;
  let saving: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    saving = saving.then(() =>
      app.db
        .update(registryImports)
        .set({ bytesRead: counter.bytes, rowsRead })
        .where(eq(registryImports.id, importId))
        .catch((err: unknown) => app.logger.warn({ err, importId }, 'registry import progress not saved')),
    );
  }, options.progressEveryMs ?? PROGRESS_EVERY_MS);
  const reportPath = path.join(os.tmpdir(), `educard-registry-report-${randomUUID()}.csv`);
  try {
    let result: RegistryImportResult;
    try {
      result = await importRegistryFile(app, counter, {
        fileName: row.fileName,
        dryRun: row.dryRun,
        importedBy: row.createdBy,
        reportPath,
        reportOnlyOnProblems: true,
        keepProblems: 0,
        onProgress: (n) => {
          rowsRead = n;
        },
      });
    } catch (err) {
      if (!(err instanceof RegistryFileError)) throw err;
      clearInterval(timer);
      await saving;
      await finish({ status: 'failed', error: err.message, bytesRead: counter.bytes });
      return { status: 'failed' };
    }
    clearInterval(timer);
    await saving;
    const report = fs.existsSync(reportPath) ? await app.storage.put(fs.createReadStream(reportPath), { contentType: 'text/csv' }) : null;
    const { problems: _problems, ...counts } = result;
    await finish({
      status: 'succeeded',
      bytesRead: row.fileSize,
      rowsRead: result.rowsRead,
      result: { ...counts, readError: result.readError },
      error: result.readError ? `文件第 ${result.readError.row} 行起无法读取：${result.readError.message}` : null,
      reportFileId: report?.id ?? null,
      batchId: result.batchId,
    });
    return { status: 'succeeded' };
  } finally {
    clearInterval(timer);
    await fs.promises.rm(reportPath, { force: true });
  }
}

/** Retention (the cleanup job): the files of imports that ended more than `days` ago; their history rows stay. */
export async function removeEndedRegistryUploads(app: Pick<AppContext, 'db' | 'storage'>, days: number): Promise<number> {
  const due = await app.db
    .select({ id: registryImports.id, fileId: registryImports.fileId, reportFileId: registryImports.reportFileId })
    .from(registryImports)
    .where(sql`${registryImports.finishedAt} < now() - make_interval(days => ${days}) and (${registryImports.fileId} is not null or ${registryImports.reportFileId} is not null)`)
    .limit(1000);
  for (const row of due) {
    if (row.fileId) await app.storage.delete(row.fileId);
    if (row.reportFileId) await app.storage.delete(row.reportFileId);
    await app.db.update(registryImports).set({ fileId: null, reportFileId: null }).where(eq(registryImports.id, row.id));
  }
  return due.length;
}
