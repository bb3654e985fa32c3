import { inArray, sql } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { auditLog, messageDeliveries, notifications, outbox, recoveryRequests, sessions, smsChallenges } from '../../server/db/schema';
import { createTestContext, type TestContext } from '../../server/test/context';
import { buildAccount, buildSubmittedVersion } from '../../server/test/factories';
import { cleanupProcessor } from './cleanup.worker';
import { cleanupExpired } from './cleanup';
import { writeDeliveries } from '../../server/outbox/outbox';

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
      messageDeliveriesDeleted: expect.any(Number),
      notificationsDeleted: expect.any(Number),
      outboxDeleted: expect.any(Number),
      recoveryRequestsDeleted: expect.any(Number),
      auditRowsDeleted: expect.any(Number),
      accountsErased: expect.any(Number),
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

  test('The retention periods: old finished notifications, deliveries, relayed outbox rows, closed recovery requests and audit rows go, in batches; work in progress and the poison-version count stay', async () => {
    const c = ctx.config;
    expect([c.NOTIFICATION_RETENTION_DAYS, c.MESSAGE_DELIVERY_RETENTION_DAYS, c.OUTBOX_RETENTION_DAYS, c.RECOVERY_REQUEST_RETENTION_DAYS, c.AUDIT_LOG_RETENTION_DAYS]).toEqual([365, 180, 7, 365, 1095]);
    const account = await buildAccount(ctx.db, { role: 'parent' });
    const tag = randomBytes(6).toString('hex');
    // dispatched: false = its delivery job still waits in the outbox, not yet relayed.
    const notification = async (name: string, createdDaysAgo: number, dispatched: boolean) => {
      const [row] = await ctx.db
        .insert(notifications)
        .values({ accountId: account.id, kind: 'review.approved', data: {}, dedupKey: `retention:${tag}:${name}`, createdAt: daysAgo(createdDaysAgo) })
        .returning({ id: notifications.id });
      if (!dispatched) await writeDeliveries(ctx.db, [row!.id]);
      return row!.id;
    };
    const delivery = async (notificationId: string, channel: 'template' | 'sms', status: 'sent' | 'queued' | 'failed', createdDaysAgo: number) => {
      const [row] = await ctx.db.insert(messageDeliveries).values({ notificationId, accountId: account.id, channel, status, createdAt: daysAgo(createdDaysAgo) }).returning({ id: messageDeliveries.id });
      return row!.id;
    };
    const oldDone = await notification('old-done', 400, true);
    const oldDoneDelivery = await delivery(oldDone, 'template', 'sent', 400);
    const oldStillSending = await notification('old-queued', 400, true);
    const queuedDelivery = await delivery(oldStillSending, 'template', 'queued', 400);
    const oldUndispatched = await notification('old-undispatched', 400, false);
    const recent = await notification('recent', 200, true);
    const recentOldDelivery = await delivery(recent, 'template', 'failed', 200);
    const recentFreshDelivery = await delivery(recent, 'sms', 'sent', 10);

    const outboxRow = async (queue: string, payload: object, createdDaysAgo: number, dispatched: boolean) => {
      const [row] = await ctx.db
        .insert(outbox)
        .values({ queue, payload, createdAt: daysAgo(createdDaysAgo), availableAt: daysAgo(createdDaysAgo), dispatchedAt: dispatched ? daysAgo(createdDaysAgo) : null })
        .returning({ id: outbox.id });
      return row!.id;
    };
    const waiting = await buildSubmittedVersion(ctx);
    const oldRelayed = await outboxRow('notifications', { notificationId: oldDone }, 8, true);
    const oldPending = await outboxRow('notifications', { notificationId: recent }, 8, false);
    const freshRelayed = await outboxRow('notifications', { notificationId: recent }, 1, true);
    const waitingVersionRow = await outboxRow('registry-match', { profileVersionId: waiting.version.id }, 8, true);

    const recovery = async (status: 'completed' | 'pending' | 'rejected', closedDaysAgo: number | null) => {
      const [row] = await ctx.db
        .insert(recoveryRequests)
        .values({ accountId: (await buildAccount(ctx.db, { role: 'parent' })).id, status, schoolIds: [], classIds: [], newPhoneCipher: 'x', newPhoneIndex: tag, note: 'test', closedAt: closedDaysAgo === null ? null : daysAgo(closedDaysAgo), createdAt: daysAgo(400) })
        .returning({ id: recoveryRequests.id });
      return row!.id;
    };
    const oldClosed = await recovery('completed', 366);
    const recentlyClosed = await recovery('rejected', 300);
    const oldOpen = await recovery('pending', null);

    const audit = async (atDaysAgo: number) => {
      const [row] = await ctx.db.insert(auditLog).values({ action: `test.retention.${tag}`, at: daysAgo(atDaysAgo) }).returning({ id: auditLog.id });
      return row!.id;
    };
    const oldAudit = [await audit(1100), await audit(1200)];
    const keptAudit = await audit(1000);

    const result = await cleanupExpired(ctx, { batchSize: 1 });
    expect(result.notificationsDeleted).toBeGreaterThanOrEqual(1);
    expect(result.auditRowsDeleted).toBeGreaterThanOrEqual(2);

    const idsIn = async <T extends { id: unknown }>(rows: Promise<T[]>) => (await rows).map((r) => r.id).sort();
    expect(await idsIn(ctx.db.select({ id: notifications.id }).from(notifications).where(inArray(notifications.id, [oldDone, oldStillSending, oldUndispatched, recent])))).toEqual(
      [oldStillSending, oldUndispatched, recent].sort(),
    );
    expect(await idsIn(ctx.db.select({ id: messageDeliveries.id }).from(messageDeliveries).where(inArray(messageDeliveries.id, [oldDoneDelivery, queuedDelivery, recentOldDelivery, recentFreshDelivery])))).toEqual(
      [queuedDelivery, recentFreshDelivery].sort(),
    );
    expect(await idsIn(ctx.db.select({ id: outbox.id }).from(outbox).where(inArray(outbox.id, [oldRelayed, oldPending, freshRelayed, waitingVersionRow])))).toEqual(
      [oldPending, freshRelayed, waitingVersionRow].sort((a, b) => a - b),
    );
    expect(await idsIn(ctx.db.select({ id: recoveryRequests.id }).from(recoveryRequests).where(inArray(recoveryRequests.id, [oldClosed, recentlyClosed, oldOpen])))).toEqual([recentlyClosed, oldOpen].sort());
    expect(await idsIn(ctx.db.select({ id: auditLog.id }).from(auditLog).where(inArray(auditLog.id, [...oldAudit, keptAudit])))).toEqual([keptAudit]);
    // The dedup key of a kept notification still de-duplicates.
    await expect(ctx.db.insert(notifications).values({ accountId: account.id, kind: 'review.approved', data: {}, dedupKey: `retention:${tag}:recent` })).rejects.toThrow();
  });
});
