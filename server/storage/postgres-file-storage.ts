/**
 * The PostgreSQL backend of FileStorage (file-storage.ts): metadata in
 * stored_files, the bytes in stored_file_chunks rows of at most `chunkBytes`.
 * Writing inserts one chunk at a time while the upload is read (its memory is
 * one chunk, whatever the file's size); reading selects one chunk per step, so
 * a slow client holds no transaction open. Runs unchanged on PGlite.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { and, eq, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { storedFileChunks, storedFiles } from '../db/schema';
import type { FileStorage, PutFileOptions, StoredFile, StoredFileInfo } from './file-storage';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class PostgresFileStorage implements FileStorage {
  readonly kind = 'postgres' as const;
  private readonly chunkBytes: number;

  constructor(
    private readonly db: Db,
    options: { chunkBytes?: number } = {},
  ) {
    this.chunkBytes = options.chunkBytes ?? 1024 * 1024;
  }

  async put(source: AsyncIterable<Uint8Array | string>, options: PutFileOptions): Promise<StoredFileInfo> {
    const [row] = await this.db.insert(storedFiles).values({ contentType: options.contentType }).returning({ id: storedFiles.id });
    const id = row!.id;
    try {
      const hash = createHash('sha256');
      let size = 0;
      let seq = 0;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      const flush = async (bytes: number) => {
        const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
        const data = all.subarray(0, bytes);
        const rest = all.subarray(bytes);
        pending = rest.length > 0 ? [Buffer.from(rest)] : [];
        pendingBytes = rest.length;
        await this.db.insert(storedFileChunks).values({ fileId: id, seq, data: Buffer.from(data) });
        seq += 1;
      };
      for await (const chunk of source) {
        const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        if (buffer.length === 0) continue;
        hash.update(buffer);
        size += buffer.length;
        pending.push(buffer);
        pendingBytes += buffer.length;
        while (pendingBytes >= this.chunkBytes) await flush(this.chunkBytes);
      }
      if (pendingBytes > 0) await flush(pendingBytes);
      const sha256 = hash.digest('hex');
      const [done] = await this.db
        .update(storedFiles)
        .set({ size, sha256, completedAt: sql`now()` })
        .where(eq(storedFiles.id, id))
        .returning({ createdAt: storedFiles.createdAt });
      return { id, contentType: options.contentType, size, sha256, createdAt: done!.createdAt };
    } catch (err) {
      await this.delete(id).catch(() => undefined);
      throw err;
    }
  }

  async head(id: string): Promise<StoredFileInfo | null> {
    if (!UUID.test(id)) return null;
    const [row] = await this.db
      .select({ id: storedFiles.id, contentType: storedFiles.contentType, size: storedFiles.size, sha256: storedFiles.sha256, createdAt: storedFiles.createdAt })
      .from(storedFiles)
      .where(and(eq(storedFiles.id, id), isNotNull(storedFiles.completedAt)));
    return row ? { ...row, sha256: row.sha256 ?? '' } : null;
  }

  async get(id: string): Promise<StoredFile | null> {
    const info = await this.head(id);
    if (!info) return null;
    const db = this.db;
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let seq = 0; ; seq += 1) {
        const [chunk] = await db
          .select({ data: storedFileChunks.data })
          .from(storedFileChunks)
          .where(and(eq(storedFileChunks.fileId, id), eq(storedFileChunks.seq, seq)));
        if (!chunk) return;
        yield chunk.data;
      }
    }
    return { ...info, stream: Readable.from(chunks(), { objectMode: false }) };
  }

  async delete(id: string): Promise<void> {
    if (!UUID.test(id)) return;
    await this.db.delete(storedFiles).where(eq(storedFiles.id, id));
  }

  async removeAbandoned(before: Date): Promise<number> {
    const removed = await this.db
      .delete(storedFiles)
      .where(and(isNull(storedFiles.completedAt), lt(storedFiles.createdAt, before)))
      .returning({ id: storedFiles.id });
    return removed.length;
  }
}
