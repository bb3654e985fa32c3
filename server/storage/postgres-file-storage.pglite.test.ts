/**
 * The storage on the embedded database (PGlite: `npm start` without
 * DATABASE_URL), whose driver answers bytea as Uint8Array: the same bytes come
 * back, in chunks, and a broken-off upload leaves nothing readable.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { openDatabase, type Database } from '../db/client';
import { migrateDatabase } from '../db/migrate';
import { PostgresFileStorage } from './postgres-file-storage';

jest.setTimeout(90_000);

let dir: string;
let database: Database;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'storage-pglite-'));
  database = await openDatabase({ pgliteDataDir: dir });
  await migrateDatabase(database);
});

afterAll(async () => {
  await database?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('When a file is put into PGlite, then get streams back exactly its bytes and head its size and hash; a failed upload leaves nothing', async () => {
  const storage = new PostgresFileStorage(database.db, { chunkBytes: 64 * 1024 });
  const bytes = randomBytes(200_000);

  const stored = await storage.put(Readable.from([bytes.subarray(0, 70_000), bytes.subarray(70_000)]), { contentType: 'application/pdf' });
  const file = await storage.get(stored.id);
  const parts: Buffer[] = [];
  for await (const part of file!.stream) parts.push(part as Buffer);

  expect(Buffer.concat(parts).equals(bytes)).toBe(true);
  expect(await storage.head(stored.id)).toMatchObject({ size: 200_000, sha256: createHash('sha256').update(bytes).digest('hex') });
  const broken = Readable.from(
    (async function* () {
      yield randomBytes(80_000);
      throw new Error('cut off');
    })(),
  );
  await expect(storage.put(broken, { contentType: 'image/png' })).rejects.toThrow('cut off');
  const rows = await database.db.execute('select count(*)::int as n from stored_files');
  expect((rows as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(1);
});
