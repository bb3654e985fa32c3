/**
 * File storage: the one interface every process (API, workers) stores and reads
 * uploaded files through. Review evidence, notice attachments, registry uploads
 * and their problem reports all go through it; callers keep the returned id in
 * their own tables and never see where the bytes live.
 *
 * The contract every backend keeps (docs/OPERATIONS.md, "File storage"):
 * - `put` consumes the stream as it arrives (backpressure, never the whole file
 *   in memory) and returns only after every byte is durable; if the stream
 *   errors or is cut off, nothing readable is left (a partial upload is never
 *   returned by `head` or `get`) and the stream's error is rethrown.
 * - `get` streams the bytes back in order; `head` answers the metadata alone;
 *   both answer null for an unknown, deleted or unfinished file.
 * - `delete` is idempotent.
 * - The content type recorded is the one the caller passes, which callers take
 *   from sniffing (content-sniffing.ts), never from what a client declared.
 *
 * Backends: PostgreSQL (postgres-file-storage.ts), the embedded default, which
 * also runs on PGlite for `npm start`. An S3-compatible object store is the
 * documented production choice for large volumes; it is not implemented yet.
 */
import type { Readable } from 'node:stream';

export interface StoredFileInfo {
  id: string;
  contentType: string;
  size: number;
  /** Hex SHA-256 of the bytes. */
  sha256: string;
  createdAt: Date;
}

export interface StoredFile extends StoredFileInfo {
  stream: Readable;
}

export interface PutFileOptions {
  contentType: string;
}

export interface FileStorage {
  readonly kind: 'postgres';
  put(source: AsyncIterable<Uint8Array | string>, options: PutFileOptions): Promise<StoredFileInfo>;
  get(id: string): Promise<StoredFile | null>;
  head(id: string): Promise<StoredFileInfo | null>;
  delete(id: string): Promise<void>;
  /** Housekeeping: remove uploads that never completed and were started before `before`; returns how many. */
  removeAbandoned(before: Date): Promise<number>;
}
