/**
 * Key rotation (issue 8 §4): data encrypted under an old key id stays readable
 * once a new key is current, and the re-encryption (`npm run pii:reencrypt`)
 * moves every ciphertext column of every table to the new key: in batches,
 * resumable, idempotent, leaving what it cannot decrypt alone and reported.
 *
 * On a database of its own (the command works on every row of every table).
 */
import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import request from 'supertest';
import { PiiCipher } from '../../crypto/pii';
import { rowsOf } from '../../db/client';
import { accounts, commCardBindings, notifications, profileDrafts, recoveryRequests } from '../../db/schema';
import { createApp } from '../../http/app';
import { createScratchTestContext } from '../../test/scratch-database';
import { createTestContext, type TestContext } from '../../test/context';
import { buildAccount, buildRegistryRecord, buildSubmittedVersion, registryRowFor, type BuiltSubmission } from '../../test/factories';
import { recordFigures } from '../../test/figures';
import { createSession } from '../accounts/sessions';
import { sealDraft } from '../profiles/drafts';
import { listCipherColumns } from './cipher-columns';
import { reencryptPii } from './reencrypt';
import { CARD_NUMBER_CONTEXT } from '../comm-card/comm-card';

jest.setTimeout(60_000);

const k1 = randomBytes(32).toString('base64');
const k2 = randomBytes(32).toString('base64');
const blindIndexKey = randomBytes(32).toString('base64');

let before: TestContext;
let after: TestContext | undefined;
let built: BuiltSubmission;
const plain = { teacherPhone: '13912345678', teacherId: '110101198001011234', bindingPhone: '13800138000', cardNumber: '89860012345678901234', oldPhone: '13700137000', recoveryPhone: '13600136000' };

beforeAll(async () => {
  before = await createScratchTestContext({ PII_ENCRYPTION_KEYS: `k1:${k1}`, PII_CURRENT_KEY_ID: 'k1', PII_BLIND_INDEX_KEY: blindIndexKey });
  // One value in every encrypted column, written under k1 the way the application writes it.
  built = await buildSubmittedVersion(before, { withOutbox: false });
  await buildRegistryRecord(before, registryRowFor(built));
  await buildAccount(before.db, {
    role: 'teacher',
    schoolId: built.school.id,
    phoneCipher: before.pii.encrypt(plain.teacherPhone, 'accounts.phone'),
    residentIdCipher: before.pii.encrypt(plain.teacherId, 'accounts.resident_id'),
  });
  const sealed = sealDraft(before, { personal: { residentId: built.residentId } });
  await before.db.insert(profileDrafts).values({ studentId: built.student.id, data: sealed.data, piiCipher: sealed.piiCipher, updatedBy: built.family.id });
  await before.db.insert(commCardBindings).values({
    studentId: built.student.id,
    accountId: built.family.id,
    phoneCipher: before.pii.encrypt(plain.bindingPhone, 'comm_card_bindings.phone'),
    phoneIndex: before.pii.blindIndex('phone', plain.bindingPhone),
    cardNumberCipher: before.pii.encrypt(plain.cardNumber, CARD_NUMBER_CONTEXT),
    cardNumberIndex: before.pii.blindIndex('comm_card_number', plain.cardNumber),
  });
  // An account-security notice to the old phone, and a manual recovery request with its new phone.
  await before.db.insert(notifications).values({
    accountId: built.family.id,
    kind: 'account.security',
    data: {},
    dedupKey: `rotation-${randomBytes(6).toString('hex')}`,
    smsPhoneCipher: before.pii.encrypt(plain.oldPhone, 'notifications.sms_phone'),
  });
  await before.db.insert(recoveryRequests).values({
    accountId: built.family.id,
    schoolIds: [built.school.id],
    classIds: [],
    newPhoneCipher: before.pii.encrypt(plain.recoveryPhone, 'recovery_requests.new_phone'),
    newPhoneIndex: before.pii.blindIndex('phone', plain.recoveryPhone),
    note: '手机丢失',
  });
});

afterAll(async () => {
  await after?.cleanup();
  await before?.cleanup();
});

async function ciphertexts(ctx: TestContext): Promise<{ column: string; context: string; value: string }[]> {
  const out: { column: string; context: string; value: string }[] = [];
  for (const col of await listCipherColumns(ctx.db)) {
    const rows = await ctx.db.execute(sql.raw(`select "${col.column}" as v from "${col.table}" where "${col.column}" is not null`));
    for (const r of rowsOf<{ v: unknown }>(rows)) out.push({ column: `${col.table}.${col.column}`, context: col.context, value: String(r.v) });
  }
  return out;
}

describe('PII key rotation', () => {
  test('When k2 becomes current, then data under k1 is still read, the command moves every column to k2 in resumable batches, and a second run moves nothing', async () => {
    const columns = (await listCipherColumns(before.db)).map((c) => `${c.table}.${c.column}`);
    const old = await ciphertexts(before);
    // Every encrypted column of the schema holds a value of this test (a new column must be added above).
    expect(columns.filter((c) => !old.some((o) => o.column === c))).toEqual([]);
    expect(old.every((o) => o.value.startsWith('k1.'))).toBe(true);
    const plaintexts = old.map((o) => before.pii.decrypt(o.value, o.context));

    after = await createTestContext({
      DATABASE_URL: before.config.DATABASE_URL!,
      PII_ENCRYPTION_KEYS: `k1:${k1},k2:${k2}`,
      PII_CURRENT_KEY_ID: 'k2',
      PII_BLIND_INDEX_KEY: blindIndexKey,
    });
    // Readable through the API under the new ring: the family reveals the child's ID (decrypted from a k1 value).
    const session = await createSession(after.db, after, { accountId: built.family.id, channel: 'h5', meta: { ip: '127.0.0.1', requestId: 'rot', userAgent: null } });
    const res = await request(createApp(after).callback()).get(`/api/students/${built.student.id}?reveal=residentId`).set('Authorization', `Bearer ${session.token}`);
    expect(res.status).toBe(200);
    expect(res.body.revealed).toEqual({ residentId: built.residentId });

    // A dry run counts and writes nothing.
    const dry = await reencryptPii(after, { dryRun: true });
    expect(dry.columns.reduce((n, c) => n + c.found, 0)).toBe(old.length);
    expect((await ciphertexts(after)).every((o) => o.value.startsWith('k1.'))).toBe(true);

    // Interrupted after one batch of one row, then resumed.
    const first = await reencryptPii(after, { batchSize: 1, maxBatches: 1 });
    expect(first).toMatchObject({ moved: 1, complete: false });
    const rest = await reencryptPii(after, { batchSize: 2 });
    expect(rest).toMatchObject({ moved: old.length - 1, failed: 0, complete: true });

    const moved = await ciphertexts(after);
    expect(moved.every((o) => o.value.startsWith('k2.'))).toBe(true);
    // Same plaintexts, now readable with k2 alone.
    const k2Only = new PiiCipher({ keys: [{ id: 'k2', key: Buffer.from(k2, 'base64') }], currentKeyId: 'k2', blindIndexKey: Buffer.from(blindIndexKey, 'base64') });
    expect(moved.map((o) => k2Only.decrypt(o.value, o.context)).sort()).toEqual([...plaintexts].sort());

    const again = await reencryptPii(after);
    expect(again).toMatchObject({ moved: 0, failed: 0, complete: true });
    recordFigures('pii key rotation', { valuesMoved: old.length, columns: columns.length });
  });

  test('When a value is under a key no longer in the ring, then it is reported by primary key and the others still move', async () => {
    const ctx = after!;
    const stray = await buildAccount(ctx.db, { role: 'parent' });
    const lost = new PiiCipher({ keys: [{ id: 'k0', key: randomBytes(32) }], currentKeyId: 'k0', blindIndexKey: randomBytes(32) });
    await ctx.db.update(accounts).set({ phoneCipher: lost.encrypt('13700000000', 'accounts.phone') }).where(eq(accounts.id, stray.id));
    const other = await buildAccount(ctx.db, { role: 'parent', phoneCipher: before.pii.encrypt('13600000000', 'accounts.phone') });

    const report = await reencryptPii(ctx, { batchSize: 1 });
    expect(report.failed).toBe(1);
    expect(report.columns.find((c) => c.table === 'accounts' && c.column === 'phone_cipher')?.failed).toEqual([stray.id]);
    const [row] = await ctx.db.select().from(accounts).where(eq(accounts.id, other.id));
    expect(row!.phoneCipher!.startsWith('k2.')).toBe(true);
    expect(ctx.pii.decrypt(row!.phoneCipher!, 'accounts.phone')).toBe('13600000000');
  });
});
