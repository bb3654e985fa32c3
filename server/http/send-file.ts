/**
 * A stored file as a download: streamed from storage, with the type recorded
 * at upload (sniffed, never client-declared), `nosniff`, a sandboxing CSP and
 * `attachment`, so a file is never rendered as a page of this origin; the
 * name in RFC 6266/5987 form for Chinese names. Never cached.
 */
import type { StoredFile } from '../storage/file-storage';
import type { KoaContext } from './route';

export function sendStoredFile(koa: KoaContext, file: StoredFile, fileName: string): void {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  koa.set('Content-Disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`);
  koa.set('Cache-Control', 'no-store');
  koa.set('X-Content-Type-Options', 'nosniff');
  koa.set('Content-Security-Policy', "default-src 'none'; sandbox");
  koa.type = file.contentType;
  koa.length = file.size;
  koa.body = file.stream;
}

/** The declared length of an upload, or null when it is sent chunked. */
export function declaredLength(koa: KoaContext): number | null {
  const value = koa.get('Content-Length');
  return /^\d+$/.test(value) ? Number(value) : null;
}
