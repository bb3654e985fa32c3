import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { eq, sql } from 'drizzle-orm';
import { storedFileChunks, storedFiles } from '../db/schema';
import { createTestContext, type TestContext } from '../test/context';
import { PostgresFileStorage } from './postgres-file-storage';

let ctx: TestContext;
let storage: PostgresFileStorage;

beforeAll(async () => {
  ctx = await createTestContext();
  storage = new PostgresFileStorage(ctx.db, { chunkBytes: 64 * 1024 });
});

afterAll(async () => {
  await ctx.cleanup();
});

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** A stream of `total` random bytes in uneven pieces, as a socket delivers them. */
function unevenStream(bytes: Buffer): Readable {
  return Readable.from(
    (function* pieces() {
      for (let at = 0, step = 1; at < bytes.length; at += step, step = (step * 7 + 13) % 40_000 + 1) yield bytes.subarray(at, at + step);
    })(),
  );
}

describe('PostgresFileStorage', () => {
  test('When a file is put in uneven pieces, then get streams back exactly its bytes, in chunks of at most the chunk size, and head tells type, size and hash', async () => {
    const bytes = randomBytes(300_000);
    const stored = await storage.put(unevenStream(bytes), { contentType: 'application/pdf' });

    expect(stored).toMatchObject({ contentType: 'application/pdf', size: 300_000, sha256: createHash('sha256').update(bytes).digest('hex') });
    const chunks = await ctx.db
      .select({ seq: storedFileChunks.seq, length: sql<number>`length(${storedFileChunks.data})` })
      .from(storedFileChunks)
      .where(eq(storedFileChunks.fileId, stored.id))
      .orderBy(storedFileChunks.seq);
    expect(chunks.map((c) => Number(c.length))).toEqual([65536, 65536, 65536, 65536, 300_000 - 4 * 65536]);
    const file = await storage.get(stored.id);
    expect(file).not.toBeNull();
    expect((await readAll(file!.stream)).equals(bytes)).toBe(true);
    expect(await storage.head(stored.id)).toMatchObject({ id: stored.id, size: 300_000, contentType: 'application/pdf' });
  });

  test('When the upload stream fails midway, then nothing is left of it and the error is rethrown', async () => {
    const before = await ctx.db.select({ n: sql<number>`count(*)::int` }).from(storedFiles);
    const failing = Readable.from(
      (async function* broken() {
        yield randomBytes(100_000);
        throw new Error('connection reset');
      })(),
    );

    await expect(storage.put(failing, { contentType: 'image/png' })).rejects.toThrow('connection reset');
    const after = await ctx.db.select({ n: sql<number>`count(*)::int` }).from(storedFiles);
    expect(after[0]!.n).toBeLessThanOrEqual(before[0]!.n);
  });

  test('When a file is deleted, then head and get answer null and deleting again is harmless; unknown or malformed ids answer null', async () => {
    const stored = await storage.put(Readable.from([Buffer.from('%PDF-1.4 x')]), { contentType: 'application/pdf' });
    await storage.delete(stored.id);
    await storage.delete(stored.id);

    expect(await storage.head(stored.id)).toBeNull();
    expect(await storage.get(stored.id)).toBeNull();
    expect(await storage.get('00000000-0000-4000-8000-000000000000')).toBeNull();
    expect(await storage.head('../../etc/passwd')).toBeNull();
  });

  test('When an upload never completed, then it is invisible and removeAbandoned deletes it once old enough, never a completed file', async () => {
    const [abandoned] = await ctx.db
      .insert(storedFiles)
      .values({ contentType: 'image/jpeg', createdAt: sql`now() - interval '2 days'` })
      .returning({ id: storedFiles.id });
    await ctx.db.insert(storedFileChunks).values({ fileId: abandoned!.id, seq: 0, data: Buffer.from('partial') });
    const complete = await storage.put(Readable.from([Buffer.from('kept')]), { contentType: 'text/plain' });

    expect(await storage.get(abandoned!.id)).toBeNull();
    expect(await storage.removeAbandoned(new Date(Date.now() - 24 * 3600_000))).toBeGreaterThanOrEqual(1);
    expect(await ctx.db.select().from(storedFiles).where(eq(storedFiles.id, abandoned!.id))).toEqual([]);
    expect(await ctx.db.select().from(storedFileChunks).where(eq(storedFileChunks.fileId, abandoned!.id))).toEqual([]);
    expect(await storage.head(complete.id)).not.toBeNull();
  });
});
