/**
 * An upload request's body into storage: the raw bytes stream through the
 * UploadGuard (size, type by magic bytes, no executable content) into
 * FileStorage.put, so neither a photo nor a registry file of a million rows is
 * ever held whole in an API process. A declared Content-Length over the limit
 * is refused before a byte is read.
 */
import type { Readable } from 'node:stream';
import { AppError } from '../../domain/errors';
import { UploadGuard, type SniffedType, type UploadPolicy } from './content-sniffing';
import type { FileStorage, StoredFileInfo } from './file-storage';

export interface StoredUpload extends StoredFileInfo {
  /** The type the guard found; `contentType` is what was stored (contentTypeOf may refine it, e.g. text/plain → text/csv). */
  sniffed: SniffedType;
}

export async function storeUpload(
  storage: FileStorage,
  source: Readable,
  policy: UploadPolicy & { declaredLength?: number | null; contentTypeOf?: (sniffed: SniffedType) => string },
): Promise<StoredUpload> {
  if (policy.declaredLength != null && policy.declaredLength > policy.maxBytes) throw new AppError('FILE_TOO_LARGE');
  const guard = new UploadGuard(policy);
  const onSourceError = (err: Error) => guard.destroy(err);
  source.on('error', onSourceError);
  source.pipe(guard);
  try {
    // The guard has decided the type by the time it hands on its first bytes.
    const chunks = guard[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const first = await chunks.next();
    if (first.done || !guard.contentType) throw new AppError('FILE_REQUIRED');
    const sniffed = guard.contentType;
    const stored = await storage.put(
      (async function* guarded() {
        yield first.value;
        for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
      })(),
      { contentType: policy.contentTypeOf?.(sniffed) ?? sniffed },
    );
    return { ...stored, sniffed };
  } finally {
    source.off('error', onSourceError);
    // A refused upload is not read further: what is left of the body is discarded with the connection.
    source.unpipe(guard);
  }
}
