/**
 * The audit log's hash chain on a database of its own: entries written by
 * concurrent transactions (committing out of id order) are all chained, once,
 * by concurrent chain writers; the verifier accepts the chain and names the
 * entry when one is changed, deleted or forged.
 */
import { eq, sql } from 'drizzle-orm';
import { rowsOf } from '../../db/client';
import { auditLog } from '../../db/schema';
import type { TestContext } from '../../test/context';
import { createScratchTestContext } from '../../test/scratch-database';
import { chainAuditBatch, chainAuditLog, entryContent, entryHash, GENESIS_HASH, verifyAuditChain } from './audit-chain';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createScratchTestContext();
});

afterAll(async () => {
  await ctx?.cleanup();
});

async function write(n: number, action = 'test.entry') {
  const values = Array.from({ length: n }, (_, i) => ({ action, subjectType: 'test', subjectId: String(i), detail: { i, z: 'last', a: ['x', { b: 1 }] }, ip: '10.0.0.1' }));
  return ctx.db.insert(auditLog).values(values).returning({ id: auditLog.id });
}

test('When entries are written, then the chain writer links them in order and the verifier accepts the chain', async () => {
  await write(25);
  expect(await chainAuditLog(ctx.db)).toBeGreaterThanOrEqual(25);
  const rows = await ctx.db.select({ seq: auditLog.chainSeq, prev: auditLog.prevHash, hash: auditLog.hash }).from(auditLog).orderBy(auditLog.chainSeq);
  expect(rows.every((r) => r.seq !== null && /^[0-9a-f]{64}$/.test(r.hash!))).toBe(true);
  expect(rows[0]!.prev).toBe(GENESIS_HASH);
  for (let i = 1; i < rows.length; i += 1) expect(rows[i]!.prev).toBe(rows[i - 1]!.hash);
  const result = await verifyAuditChain(ctx.db);
  expect(result).toMatchObject({ ok: true, checked: rows.length, unchained: 0, problems: [] });
});

test('When a transaction with a lower id commits after a higher id was chained, then its entry is chained later and nothing is skipped', async () => {
  const early = ctx.db.transaction(async (tx) => {
    const [row] = await tx.insert(auditLog).values({ action: 'test.slow' }).returning({ id: auditLog.id });
    // Hold the transaction open while a later entry commits and is chained.
    await write(3, 'test.fast');
    await chainAuditLog(ctx.db);
    return row!.id;
  });
  const slowId = await early;
  const [slow] = await ctx.db.select().from(auditLog).where(eq(auditLog.id, slowId));
  expect(slow!.chainSeq).toBeNull();
  await chainAuditLog(ctx.db);
  const [after] = await ctx.db.select().from(auditLog).where(eq(auditLog.id, slowId));
  const [{ max }] = rowsOf<{ max: number }>(await ctx.db.execute(sql`select max(chain_seq)::int as max from audit_log`)) as [{ max: number }];
  expect(after!.chainSeq).toBe(max);
  expect((await verifyAuditChain(ctx.db)).ok).toBe(true);
});

test('When several chain writers run at once over concurrent inserts, then every entry gets exactly one place in one unbroken chain', async () => {
  const inserts = Array.from({ length: 10 }, () => write(20, 'test.concurrent'));
  const writers = Array.from({ length: 4 }, async () => {
    for (let i = 0; i < 10; i += 1) await chainAuditBatch(ctx.db, 37);
  });
  await Promise.all([...inserts, ...writers]);
  await chainAuditLog(ctx.db);
  const [{ n, distinct, unchained }] = rowsOf<{ n: number; distinct: number; unchained: number }>(
    await ctx.db.execute(sql`select count(*)::int as n, count(distinct chain_seq)::int as distinct, count(*) filter (where chain_seq is null)::int as unchained from audit_log`),
  ) as [{ n: number; distinct: number; unchained: number }];
  expect(unchained).toBe(0);
  expect(distinct).toBe(n);
  const result = await verifyAuditChain(ctx.db);
  expect(result.ok).toBe(true);
  expect(result.checked).toBe(n);
  expect(result.lastSeq! - result.firstSeq! + 1).toBe(n);
});

describe('tampering is detected', () => {
  test('When an entry is changed afterwards, then verify names it (hash mismatch)', async () => {
    const [target] = await write(1, 'test.victim');
    await write(2);
    await chainAuditLog(ctx.db);
    expect((await verifyAuditChain(ctx.db)).ok).toBe(true);
    await ctx.db.update(auditLog).set({ detail: { i: 0, z: 'forged' } }).where(eq(auditLog.id, target!.id));
    const result = await verifyAuditChain(ctx.db);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.objectContaining({ id: target!.id, problem: 'hash_mismatch' })]);
    await ctx.db.update(auditLog).set({ detail: { i: 0, z: 'last', a: ['x', { b: 1 }] } }).where(eq(auditLog.id, target!.id));
    expect((await verifyAuditChain(ctx.db)).ok).toBe(true);
  });

  test('When an entry is changed and its own hash recomputed, then the next entry no longer links to it', async () => {
    const [target, next] = await write(2, 'test.rehash');
    await chainAuditLog(ctx.db);
    const [row] = await ctx.db.select().from(auditLog).where(eq(auditLog.id, target!.id));
    await ctx.db.update(auditLog).set({ actorRole: 'operator' }).where(eq(auditLog.id, target!.id));
    const { stable } = await entryContent(ctx.db, target!.id);
    await ctx.db.update(auditLog).set({ hash: entryHash(row!.prevHash!, stable, row!.personalHash!) }).where(eq(auditLog.id, target!.id));
    const result = await verifyAuditChain(ctx.db);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.objectContaining({ id: next!.id, problem: 'prev_hash_mismatch' })]);
    await ctx.db.update(auditLog).set({ actorRole: row!.actorRole, hash: row!.hash }).where(eq(auditLog.id, target!.id));
  });

  test('When the erasure of an account clears the personal part of its entries (and marks them), then the chain still verifies; the same change without the mark does not', async () => {
    const [erased, forged] = await write(2, 'test.erasure');
    await chainAuditLog(ctx.db);
    // What account-erasure.ts does to the entries of an erased family.
    await ctx.db.update(auditLog).set({ ip: null, detail: null, personalErasedAt: new Date() }).where(eq(auditLog.id, erased!.id));
    expect(await verifyAuditChain(ctx.db)).toMatchObject({ ok: true, problems: [] });
    // The erasure mark does not cover a personal part that was rewritten rather than cleared.
    await ctx.db.update(auditLog).set({ detail: { i: 1, z: 'forged' }, personalErasedAt: new Date() }).where(eq(auditLog.id, forged!.id));
    expect((await verifyAuditChain(ctx.db)).problems).toEqual([expect.objectContaining({ id: forged!.id, problem: 'hash_mismatch' })]);
    await ctx.db.update(auditLog).set({ detail: { i: 1, z: 'last', a: ['x', { b: 1 }] }, personalErasedAt: null }).where(eq(auditLog.id, forged!.id));
    expect((await verifyAuditChain(ctx.db)).ok).toBe(true);
  });

  test('When an entry in the middle is deleted, then verify reports the gap', async () => {
    const [, middle, last] = await write(3, 'test.deleted');
    await chainAuditLog(ctx.db);
    await ctx.db.delete(auditLog).where(eq(auditLog.id, middle!.id));
    const result = await verifyAuditChain(ctx.db);
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => [p.id, p.problem])).toEqual([
      [last!.id, 'gap'],
      [last!.id, 'prev_hash_mismatch'],
    ]);
  });
});
