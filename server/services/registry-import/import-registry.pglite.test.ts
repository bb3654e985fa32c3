/**
 * The import on the embedded database (PGlite: `npm start` and the demo seed
 * without DATABASE_URL), where rows reach the staging table through PGlite's
 * /dev/blob device instead of COPY FROM STDIN.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { eq } from 'drizzle-orm';
import { PiiCipher } from '../../crypto/pii';
import { openDatabase, type Database } from '../../db/client';
import { migrateDatabase } from '../../db/migrate';
import { classes, registryRecords, schools } from '../../db/schema';
import { importRegistryFile } from './import-registry';
import { randomRegistryRow, randomSchool, registryCsv } from './registry-file.fixtures';
import { RESIDENT_ID_CONTEXT } from './registry-writer';

jest.setTimeout(90_000);

let dir: string;
let database: Database;
const pii = new PiiCipher({ keys: [{ id: 'k1', key: randomBytes(32) }], currentKeyId: 'k1', blindIndexKey: randomBytes(32) });

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-import-pglite-'));
  database = await openDatabase({ pgliteDataDir: dir });
  await migrateDatabase(database);
});

afterAll(async () => {
  await database?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('When a file is imported into PGlite in several chunks, then it is stored like on PostgreSQL, and a re-import changes nothing', async () => {
  const school = randomSchool();
  const rows = Array.from({ length: 8 }, (_, i) => randomRegistryRow(school, { 班级: `${(i % 2) + 1}班` }));
  const importCsv = (csv: string, options: { dryRun?: boolean } = {}) =>
    importRegistryFile({ db: database.db, pii }, Readable.from([Buffer.from(csv, 'utf8')]), { fileName: 'pglite.csv', batchSize: 3, ...options });

  const dry = await importCsv(registryCsv(rows), { dryRun: true });
  expect(dry).toMatchObject({ inserted: 8, schoolsCreated: 1, classesCreated: 2 });
  expect(await database.db.$count(registryRecords)).toBe(0);

  const first = await importCsv(registryCsv(rows));
  expect(first).toMatchObject({ rowsValid: 8, inserted: 8, updated: 0, unchanged: 0, schoolsCreated: 1, classesCreated: 2 });
  const stored = await database.db.select().from(registryRecords).orderBy(registryRecords.id);
  expect(stored).toHaveLength(8);
  const [storedSchool] = await database.db.select().from(schools).where(eq(schools.code, school.code));
  expect(await database.db.$count(classes, eq(classes.schoolId, storedSchool!.id))).toBe(2);
  const record = stored.find((r) => r.studentNumberIndex === pii.blindIndex('student_number', rows[4]!.学籍号))!;
  expect(pii.decrypt(record.residentIdCipher, RESIDENT_ID_CONTEXT)).toBe(rows[4]!.身份证号);

  const again = await importCsv(registryCsv(rows.map((row, i) => (i === 6 ? { ...row, 学籍状态: '休学' } : row))));
  expect(again).toMatchObject({ inserted: 0, updated: 1, unchanged: 7 });
  const after = await database.db.select().from(registryRecords).orderBy(registryRecords.id);
  expect(after.filter((r, i) => r.updatedAt.getTime() !== stored[i]!.updatedAt.getTime())).toHaveLength(1);
});
