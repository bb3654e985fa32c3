import { eq, inArray, sql } from 'drizzle-orm';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { registryImports, sessions, smsChallenges } from '../../server/db/schema';
import { createTestContext, type TestContext } from '../../server/test/context';
import { buildAccount } from '../../server/test/factories';
import { cleanupProcessor } from './cleanup.worker';
import { cleanupExpired } from './cleanup';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.cleanup();
});

const daysAgo = (days: number) => sql`now() - make_interval(days => ${days})`;

describe('cleanup', () => {
  test('When sessions expired or were revoked over 30 days ago and SMS challenges are over a day old, then only those are deleted, in batches', async () => {
    const account = await buildAccount(ctx.db, { role: 'parent' });
    const session = (expiresAt: ReturnType<typeof daysAgo>, revokedAt: ReturnType<typeof daysAgo> | null = null) => ({
      accountId: account.id,
      tokenHash: randomBytes(16).toString('hex'),
      channel: 'h5' as const,
      expiresAt,
      revokedAt,
    });
    const old = await ctx.db
      .insert(sessions)
      .values([session(daysAgo(31)), session(daysAgo(40)), session(daysAgo(-5), daysAgo(31))])
      .returning({ id: sessions.id });
    const kept = await ctx.db
      .insert(sessions)
      .values([session(daysAgo(10)), session(daysAgo(-5), daysAgo(3)), session(daysAgo(-30))])
      .returning({ id: sessions.id });
    const challenge = (createdAt: ReturnType<typeof daysAgo>) => ({
      phoneIndex: randomBytes(8).toString('hex'),
      purpose: 'register',
      codeHash: 'x',
      createdAt,
      expiresAt: createdAt,
    });
    const oldSms = await ctx.db.insert(smsChallenges).values([challenge(daysAgo(2)), challenge(daysAgo(3))]).returning({ id: smsChallenges.id });
    const freshSms = await ctx.db.insert(smsChallenges).values([challenge(sql`now() - interval '1 hour'`)]).returning({ id: smsChallenges.id });

    const result = await cleanupExpired(ctx, { batchSize: 1 });
    const again = await cleanupProcessor(ctx)({ id: 'test' });

    // Other files' old rows may be deleted too (they are garbage everywhere); ours are counted at least.
    expect(result.sessionsDeleted).toBeGreaterThanOrEqual(3);
    expect(result.smsChallengesDeleted).toBeGreaterThanOrEqual(2);
    expect(again).toEqual({
      sessionsDeleted: expect.any(Number),
      smsChallengesDeleted: expect.any(Number),
      abandonedUploadsDeleted: expect.any(Number),
      reviewAttachmentsDeleted: expect.any(Number),
      registryUploadsDeleted: expect.any(Number),
    });
    const ids = (rows: { id: string }[]) => rows.map((r) => r.id);
    const left = await ctx.db.select({ id: sessions.id }).from(sessions).where(inArray(sessions.id, [...ids(old), ...ids(kept)]));
    expect(ids(left).sort()).toEqual(ids(kept).sort());
    const leftSms = await ctx.db
      .select({ id: smsChallenges.id })
      .from(smsChallenges)
      .where(inArray(smsChallenges.id, [...ids(oldSms), ...ids(freshSms)]));
    expect(ids(leftSms)).toEqual(ids(freshSms));
  });

  test('When a registry import ended longer ago than its retention, then its uploaded file and report are removed and its history row stays; a recent one keeps its files', async () => {
    const operator = await buildAccount(ctx.db, { role: 'operator', schoolId: null });
    const file = async () => (await ctx.storage.put(Readable.from([Buffer.from('学籍号,姓名\n')]), { contentType: 'text/csv' })).id;
    const [old] = await ctx.db
      .insert(registryImports)
      .values({ fileId: await file(), reportFileId: await file(), fileName: 'old.csv', fileSize: 10, dryRun: false, status: 'succeeded', createdBy: operator.id, finishedAt: daysAgo(31) })
      .returning();
    const [recent] = await ctx.db
      .insert(registryImports)
      .values({ fileId: await file(), fileName: 'new.csv', fileSize: 10, dryRun: false, status: 'succeeded', createdBy: operator.id, finishedAt: daysAgo(2) })
      .returning();

    const result = await cleanupExpired(ctx);

    expect(result.registryUploadsDeleted).toBeGreaterThanOrEqual(1);
    const [oldAfter] = await ctx.db.select().from(registryImports).where(eq(registryImports.id, old!.id));
    expect(oldAfter).toMatchObject({ fileId: null, reportFileId: null, status: 'succeeded', fileName: 'old.csv' });
    expect(await ctx.storage.head(old!.fileId!)).toBeNull();
    expect(await ctx.storage.head(old!.reportFileId!)).toBeNull();
    expect(await ctx.storage.head(recent!.fileId!)).not.toBeNull();
  });
});
