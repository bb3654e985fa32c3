/**
 * Keeps the embedded default honest: `npm start` without DATABASE_URL runs on
 * PGlite, with the same schema and migrations as PostgreSQL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { openDatabase } from './client';
import { migrateDatabase } from './migrate';
import { schools } from './schema';

jest.setTimeout(90_000);

it('migrates twice, writes and reads back after a reopen of the data directory', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'educard-pglite-'));
  try {
    const first = await openDatabase({ pgliteDataDir: dir });
    expect(first.kind).toBe('pglite');
    await migrateDatabase(first);
    await migrateDatabase(first);
    await first.db.insert(schools).values({ code: '3201010001', name: '南京市测试小学' });
    await first.close();

    const second = await openDatabase({ pgliteDataDir: dir });
    await migrateDatabase(second);
    const rows = await second.db.select().from(schools).where(eq(schools.code, '3201010001'));
    expect(rows.map((r) => r.name)).toEqual(['南京市测试小学']);
    await second.ping();
    await second.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
