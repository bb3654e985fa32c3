import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../domain/errors';
import { DOCUMENT_TYPES, UploadGuard, looksExecutable, sniffContentType } from './content-sniffing';

const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0'), Buffer.alloc(2000, 7)]);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(2000, 1)]);
const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n' + 'x'.repeat(3000) + '\n%%EOF\n', 'latin1');
const EXE = Buffer.concat([Buffer.from('MZ\x90\0\x03\0\0\0', 'latin1'), Buffer.alloc(2000, 0)]);

async function guarded(bytes: Buffer, maxBytes = 1_000_000, pieces = 1): Promise<{ type: string | null; out: Buffer }> {
  const guard = new UploadGuard({ accept: DOCUMENT_TYPES, maxBytes });
  const out: Buffer[] = [];
  const size = Math.ceil(bytes.length / pieces);
  const parts = Array.from({ length: pieces }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
  await pipeline(Readable.from(parts), guard, async function collect(source) {
    for await (const chunk of source) out.push(chunk as Buffer);
  });
  return { type: guard.contentType, out: Buffer.concat(out) };
}

const codeOf = async (promise: Promise<unknown>) => promise.then(() => 'passed', (err: unknown) => (err instanceof AppError ? err.code : String(err)));

describe('content sniffing', () => {
  test('JPEG, PNG and PDF are told by their magic bytes; executables and scripts are recognised', () => {
    expect(sniffContentType(JPEG)).toBe('image/jpeg');
    expect(sniffContentType(PNG)).toBe('image/png');
    expect(sniffContentType(PDF)).toBe('application/pdf');
    expect(sniffContentType(Buffer.from('PK\x03\x04', 'latin1'))).toBe('application/zip');
    expect(sniffContentType(Buffer.from('学籍号,姓名\n', 'utf8'))).toBe('text/plain');
    for (const head of [EXE, Buffer.from('\x7fELF\x02\x01', 'latin1'), Buffer.from('#!/bin/sh\nrm -rf /'), Buffer.from([0xcf, 0xfa, 0xed, 0xfe]), Buffer.from('<html><script>'), Buffer.from('\uFEFF <svg onload=x>')]) {
      expect(looksExecutable(head)).toBe(true);
      expect(sniffContentType(head)).toBeNull();
    }
  });

  test('When an accepted file streams through the guard in pieces, then its bytes pass unchanged and its type is known', async () => {
    for (const [bytes, type] of [[JPEG, 'image/jpeg'], [PNG, 'image/png'], [PDF, 'application/pdf']] as const) {
      const result = await guarded(bytes, 1_000_000, 5);
      expect(result.type).toBe(type);
      expect(result.out.equals(bytes)).toBe(true);
    }
    const tiny = await guarded(Buffer.from([0xff, 0xd8, 0xff, 0xdb]));
    expect(tiny.type).toBe('image/jpeg');
  });

  test('When an executable is renamed .jpg, or the file is text, or empty, or too large, then the guard refuses it with the matching code', async () => {
    expect(await codeOf(guarded(EXE))).toBe('FILE_EXECUTABLE');
    expect(await codeOf(guarded(Buffer.from('just some text, not an image')))).toBe('FILE_TYPE_NOT_ALLOWED');
    expect(await codeOf(guarded(Buffer.alloc(0)))).toBe('FILE_REQUIRED');
    expect(await codeOf(guarded(JPEG, 1000, 4))).toBe('FILE_TOO_LARGE');
  });

  test('When a PDF carries JavaScript, a launch action or an embedded file, even split across chunks, then it is refused as executable', async () => {
    for (const token of ['/JavaScript', '/JS (app.alert(1))', '/Launch', '/EmbeddedFile']) {
      const pdf = Buffer.concat([PDF.subarray(0, 1500), Buffer.from(`<< /S ${token} >>`, 'latin1'), PDF.subarray(1500)]);
      expect(await codeOf(guarded(pdf, 1_000_000, 1))).toBe('FILE_EXECUTABLE');
      // a piece boundary falls inside the token
      const split = await codeOf(guarded(pdf, 1_000_000, Math.ceil(pdf.length / 1505)));
      expect(split).toBe('FILE_EXECUTABLE');
    }
  });
});
