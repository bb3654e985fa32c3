import { inArray, sql } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { sessions, smsChallenges } from '../../server/db/schema';
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
    expect(again).toEqual({ sessionsDeleted: expect.any(Number), smsChallengesDeleted: expect.any(Number), accountsErased: expect.any(Number) });
    const ids = (rows: { id: string }[]) => rows.map((r) => r.id);
    const left = await ctx.db.select({ id: sessions.id }).from(sessions).where(inArray(sessions.id, [...ids(old), ...ids(kept)]));
    expect(ids(left).sort()).toEqual(ids(kept).sort());
    const leftSms = await ctx.db
      .select({ id: smsChallenges.id })
      .from(smsChallenges)
      .where(inArray(smsChallenges.id, [...ids(oldSms), ...ids(freshSms)]));
    expect(ids(leftSms)).toEqual(ids(freshSms));
  });
});
