/**
 * What an uploaded file really is, from its bytes: the magic numbers at its
 * start, never its name or the Content-Type a client declared. An upload passes
 * through `guardUpload`, which counts its bytes against a limit, sniffs its type
 * against the kinds the caller accepts, refuses executable content, and hands the
 * bytes on unchanged while they stream into storage.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { AppError } from '../../domain/errors';

export type SniffedType = 'image/jpeg' | 'image/png' | 'application/pdf' | 'application/zip' | 'text/plain';

/** What the family and teacher uploads may be. */
export const DOCUMENT_TYPES: readonly SniffedType[] = ['image/jpeg', 'image/png', 'application/pdf'];

const startsWith = (head: Uint8Array, bytes: readonly number[], at = 0) => bytes.every((b, i) => head[at + i] === b);
const ascii = (head: Uint8Array, text: string, at = 0) => startsWith(head, [...text].map((c) => c.charCodeAt(0)), at);

/**
 * Executable formats and scripts: PE (MZ), ELF, Mach-O (both byte orders, fat
 * binaries), Java class files (CAFEBABE shares Mach-O fat's magic), WebAssembly,
 * shell scripts (#!) and HTML/SVG, which a browser would run.
 */
export function looksExecutable(head: Uint8Array): boolean {
  if (ascii(head, 'MZ') || startsWith(head, [0x7f, 0x45, 0x4c, 0x46]) || ascii(head, '#!') || startsWith(head, [0x00, 0x61, 0x73, 0x6d])) return true;
  const machO = [
    [0xfe, 0xed, 0xfa, 0xce],
    [0xfe, 0xed, 0xfa, 0xcf],
    [0xce, 0xfa, 0xed, 0xfe],
    [0xcf, 0xfa, 0xed, 0xfe],
    [0xca, 0xfe, 0xba, 0xbe],
  ];
  if (machO.some((magic) => startsWith(head, magic))) return true;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(head.subarray(0, 512)).replace(/^\uFEFF/, '').trimStart().toLowerCase();
  return /^<(!doctype html|html|script|svg|\?xml)/.test(text);
}

/** The type of a file from its first bytes, or null when it is none of the kinds this system stores. */
export function sniffContentType(head: Uint8Array): SniffedType | null {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (ascii(head, '%PDF-')) return 'application/pdf';
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return 'application/zip';
  if (head.length > 0 && !looksExecutable(head) && !head.subarray(0, 4096).includes(0)) return 'text/plain';
  return null;
}

/**
 * PDF features that run code or carry other files: JavaScript actions, launch
 * actions, embedded files, rich media. A scanned certificate needs none of them.
 */
const PDF_ACTIVE = ['/JavaScript', '/JS', '/Launch', '/EmbeddedFile', '/RichMedia', '/XFA'].map((t) => Buffer.from(t, 'latin1'));
const PDF_TAIL = Math.max(...PDF_ACTIVE.map((t) => t.length)) - 1;

export interface UploadPolicy {
  /** The sniffed types accepted; anything else is refused with `typeError`. */
  accept: readonly SniffedType[];
  maxBytes: number;
  typeError?: 'FILE_TYPE_NOT_ALLOWED' | 'REGISTRY_IMPORT_FILE_TYPE';
}

/** Bytes needed before the type is decided (the longest magic number, and enough text to tell a script). */
const SNIFF_BYTES = 512;

/**
 * A pass-through stream that enforces `policy` on what flows through it. It
 * fails with an AppError (FILE_TOO_LARGE, the policy's type error,
 * FILE_EXECUTABLE, FILE_REQUIRED for an empty upload) as soon as the bytes seen
 * prove it, so a refused upload is never read to its end. `contentType` is
 * known once the first bytes have passed.
 */
export class UploadGuard extends Transform {
  contentType: SniffedType | null = null;
  bytes = 0;
  private head: Buffer[] = [];
  private headBytes = 0;
  private pdfTail = Buffer.alloc(0);

  constructor(private readonly policy: UploadPolicy) {
    super();
  }

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, callback: TransformCallback): void {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.bytes += buffer.length;
    if (this.bytes > this.policy.maxBytes) return callback(new AppError('FILE_TOO_LARGE'));
    if (this.contentType === null) {
      this.head.push(buffer);
      this.headBytes += buffer.length;
      if (this.headBytes < SNIFF_BYTES) return callback();
      const failure = this.decide();
      if (failure) return callback(failure);
      const held = Buffer.concat(this.head);
      this.head = [];
      return callback(this.scan(held), held);
    }
    callback(this.scan(buffer), buffer);
  }

  override _flush(callback: TransformCallback): void {
    if (this.contentType === null) {
      if (this.headBytes === 0) return callback(new AppError('FILE_REQUIRED'));
      const failure = this.decide();
      if (failure) return callback(failure);
      const held = Buffer.concat(this.head);
      this.head = [];
      const error = this.scan(held);
      if (error) return callback(error);
      this.push(held);
    }
    callback();
  }

  private decide(): AppError | null {
    const head = Buffer.concat(this.head);
    if (looksExecutable(head)) return new AppError('FILE_EXECUTABLE');
    const type = sniffContentType(head);
    if (!type || !this.policy.accept.includes(type)) return new AppError(this.policy.typeError ?? 'FILE_TYPE_NOT_ALLOWED');
    this.contentType = type;
    return null;
  }

  /** Active PDF content, found across chunk boundaries (the last bytes of a chunk are kept for the next). */
  private scan(buffer: Buffer): AppError | null {
    if (this.contentType !== 'application/pdf') return null;
    const window = this.pdfTail.length > 0 ? Buffer.concat([this.pdfTail, buffer]) : buffer;
    if (PDF_ACTIVE.some((token) => window.includes(token))) return new AppError('FILE_EXECUTABLE');
    this.pdfTail = Buffer.from(window.subarray(Math.max(0, window.length - PDF_TAIL)));
    return null;
  }
}
