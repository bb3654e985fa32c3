/**
 * The writer on its own, against the test database: what happens to the
 * import's sessions when a chunk cannot be merged.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { registryRecords } from '../../db/schema';
import { createTestContext, type TestContext } from '../../test/context';
import { randomRegistryRow, randomSchool } from './registry-file.fixtures';
import { validateRegistryRow, type RegistryColumnKey } from './registry-row';
import { REGISTRY_HEADERS } from './registry-file.fixtures';
import { RegistryWriter, prepareRow } from './registry-writer';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.cleanup();
});

const KEYS: RegistryColumnKey[] = ['studentNumber', 'name', 'residentId', 'sex', 'birthDate', 'schoolCode', 'schoolName', 'grade', 'className', 'registryStatus'];

function preparedRow(school: { code: string; name: string }) {
  const fileRow = randomRegistryRow(school);
  const validation = validateRegistryRow(2, (key) => fileRow[REGISTRY_HEADERS[KEYS.indexOf(key)]!], { now: new Date() });
  if (!validation.ok) throw new Error(JSON.stringify(validation.problems));
  return prepareRow(ctx.pii, validation.value);
}

describe('RegistryWriter', () => {
  test('When a chunk cannot be merged, then the import fails with the cause, nothing of it is stored, and the pool stays usable', async () => {
    const school = randomSchool();
    const rows = Array.from({ length: 5 }, () => preparedRow(school));
    // a batch id that is not in registry_batches: the merge breaks the foreign key
    const writer = await RegistryWriter.open(ctx, { batchId: randomUUID(), dryRun: false, chunkSize: 2 });

    let failure: unknown = null;
    try {
      for (const row of rows) await writer.add(row);
      await writer.finish();
    } catch (err) {
      failure = err;
      await writer.abandon(err);
    }

    expect(String((failure as Error | null)?.message)).toMatch(/foreign key/);
    expect(await ctx.db.select().from(registryRecords).where(eq(registryRecords.schoolCode, school.code))).toEqual([]);
    // every session went back to the pool: the pool (5 connections) still answers, more times than it has connections
    for (let i = 0; i < 8; i += 1) await ctx.database.ping();
  });

  test('When the same rows are written twice, then the second time they are all unchanged', async () => {
    const school = randomSchool();
    const rows = Array.from({ length: 5 }, () => preparedRow(school));
    const write = async () => {
      const writer = await RegistryWriter.open(ctx, { batchId: null, dryRun: false, chunkSize: 2 });
      for (const row of rows) await writer.add(row);
      return writer.finish();
    };

    expect(await write()).toMatchObject({ inserted: 5, updated: 0, unchanged: 0, schoolsCreated: 1, classesCreated: 1 });
    expect(await write()).toMatchObject({ inserted: 0, updated: 0, unchanged: 5, schoolsCreated: 0, classesCreated: 0 });
  });
});
