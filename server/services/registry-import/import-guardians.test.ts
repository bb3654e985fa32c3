import { Readable } from 'node:stream';
import { and, eq, sql } from 'drizzle-orm';
import { outbox, registryRecords } from '../../db/schema';
import { createTestContext, type TestContext } from '../../test/context';
import { importRegistryFile } from './import-registry';
import { REGISTRY_HEADERS, randomRegistryRow, randomSchool, type RegistryFileRow } from './registry-file.fixtures';
import { GUARDIANS_CONTEXT } from './registry-writer';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.cleanup();
});

function csvOf(headers: readonly string[], rows: readonly (readonly string[])[]): Buffer {
  const text = [headers, ...rows].map((r) => r.join(',')).join('\r\n');
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${text}\r\n`, 'utf8')]);
}

function importCsv(bytes: Buffer, options: { batchSize?: number; dryRun?: boolean } = {}) {
  return importRegistryFile(ctx, Readable.from([bytes]), { fileName: 'guardians.csv', importedBy: 'jest', ...options });
}

const cells = (row: RegistryFileRow) => REGISTRY_HEADERS.map((h) => row[h]);

async function stored(row: RegistryFileRow) {
  const [record] = await ctx.db
    .select()
    .from(registryRecords)
    .where(eq(registryRecords.studentNumberIndex, ctx.pii.blindIndex('student_number', row.学籍号)));
  return record!;
}

async function recheckRows(batchId: string) {
  return ctx.db
    .select()
    .from(outbox)
    .where(and(eq(outbox.queue, 'guardian-recheck'), sql`${outbox.payload}->>'batchId' = ${batchId}`));
}

describe('registry import: guardian columns (issue 12)', () => {
  test('When the file names guardians (监护人1 and the variant 家长2), then their phones are stored encrypted with blind indexes, and the re-check is queued', async () => {
    const school = randomSchool();
    const a = randomRegistryRow(school);
    const b = randomRegistryRow(school);
    const headers = [...REGISTRY_HEADERS, '监护人1姓名', '监护人1手机号', '家长2姓名', '家长2手机号'];
    const result = await importCsv(
      csvOf(headers, [
        [...cells(a), '王大明', '+86 139 1234 0001', '李小红', '13912340002'],
        [...cells(b), '', '', '', ''],
      ]),
    );

    expect(result).toMatchObject({ rowsValid: 2, rowsRejected: 0, rowsWithGuardianPhone: 1, guardianRecheckQueued: true });
    const record = await stored(a);
    expect(record.guardianPhoneIndexes).toEqual([ctx.pii.blindIndex('phone', '13912340001'), ctx.pii.blindIndex('phone', '13912340002')]);
    expect(record.guardiansCipher).not.toContain('139');
    expect(JSON.parse(ctx.pii.decrypt(record.guardiansCipher!, GUARDIANS_CONTEXT))).toEqual([
      { name: '王大明', phone: '13912340001' },
      { name: '李小红', phone: '13912340002' },
    ]);
    expect(await stored(b)).toMatchObject({ guardiansCipher: null, guardianPhoneIndexes: [] });
    expect(await recheckRows(result.batchId!)).toHaveLength(1);
  });

  test('When only a guardian phone changes, then the row is updated (the content hash covers the guardians); the same file again leaves it unchanged', async () => {
    const school = randomSchool();
    const row = randomRegistryRow(school);
    const headers = [...REGISTRY_HEADERS, '联系电话'];
    await importCsv(csvOf(REGISTRY_HEADERS, [cells(row)]));
    const withPhone = await importCsv(csvOf(headers, [[...cells(row), '13912340003']]));
    expect(withPhone).toMatchObject({ inserted: 0, updated: 1, unchanged: 0 });
    expect((await stored(row)).guardianPhoneIndexes).toEqual([ctx.pii.blindIndex('phone', '13912340003')]);
    const again = await importCsv(csvOf(headers, [[...cells(row), '139 1234 0003']]));
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 1 });
    const changed = await importCsv(csvOf(headers, [[...cells(row), '13912340004']]));
    expect(changed).toMatchObject({ updated: 1 });
    expect((await stored(row)).guardianPhoneIndexes).toEqual([ctx.pii.blindIndex('phone', '13912340004')]);
  });

  test('When a guardian phone is malformed, then the row is reported (row, column, reason) and not imported; no re-check without guardian phones', async () => {
    const school = randomSchool();
    const bad = randomRegistryRow(school);
    const good = randomRegistryRow(school);
    const headers = [...REGISTRY_HEADERS, '家长手机号'];
    const result = await importCsv(csvOf(headers, [[...cells(bad), '1391234'], [...cells(good), '']]));
    expect(result).toMatchObject({ rowsValid: 1, rowsRejected: 1, rowsWithGuardianPhone: 0, guardianRecheckQueued: false });
    expect(result.problems).toEqual([
      { row: 2, column: '家长手机号', message: '监护人1手机号"1391234"不是有效的手机号（应为 11 位，1 开头）', level: 'error' },
    ]);
    expect(await recheckRows(result.batchId!)).toHaveLength(0);
  });

  test('When a dry run reads guardian columns, then nothing is encrypted or queued', async () => {
    const school = randomSchool();
    const row = randomRegistryRow(school);
    const result = await importCsv(csvOf([...REGISTRY_HEADERS, '监护人1手机号'], [[...cells(row), '13912340005']]), { dryRun: true });
    expect(result).toMatchObject({ dryRun: true, batchId: null, rowsWithGuardianPhone: 1, guardianRecheckQueued: false, inserted: 1 });
  });
});
