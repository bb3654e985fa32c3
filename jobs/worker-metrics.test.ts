/**
 * What the worker process reports (issue 16): decisions and deliveries in its
 * metrics, and its heartbeat, which the API's readiness sees. Real PostgreSQL,
 * Redis, BullMQ workers and the fake WeChat.
 */
import request from 'supertest';
import { METRIC_NAMES, type Metrics } from '../server/metrics/metrics';
import { createApp } from '../server/http/app';
import { createTestContext, type TestContext } from '../server/test/context';
import { buildAccount, buildRegistryRecord, buildSchool, buildSubmittedVersion, registryRowFor } from '../server/test/factories';
import { deliveryJob } from './notifications/delivery-test-support';
import { createMessagingHarness, notificationJobSettled, waitFor, type MessagingHarness } from '../server/services/messaging/messaging-test-support';
import { startWorkers } from './main';
import { startMessagingWorkers, type MessagingWorkers } from './notifications/notifications.worker';

jest.setTimeout(60_000);

async function value(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const { values } = await metrics.registry.getSingleMetric(name)!.get();
  return values.find((v) => Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l))?.value ?? 0;
}

describe('the worker process', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(async () => {
    await ctx?.cleanup();
  });

  test('counts the registry decisions by outcome and beats while it runs; the API readiness sees the beat', async () => {
    const school = await buildSchool(ctx.db);
    const teacher = await buildAccount(ctx.db, { role: 'teacher', schoolId: school.id });
    const approved = await buildSubmittedVersion(ctx, { school, headTeacherId: teacher.id });
    await buildRegistryRecord(ctx, registryRowFor(approved));
    const mismatched = await buildSubmittedVersion(ctx, { school, headTeacherId: teacher.id, name: '钱多多' });
    await buildRegistryRecord(ctx, registryRowFor(mismatched, { name: '钱朵朵' }));
    const before = {
      approved: await value(ctx.metrics, METRIC_NAMES.decisions, { decider: 'registry', outcome: 'approved' }),
      review: await value(ctx.metrics, METRIC_NAMES.decisions, { decider: 'registry', outcome: 'pending_review' }),
    };
    const api = createApp(ctx).callback();
    const idle = await request(api).get('/api/health/ready');
    expect(idle.status).toBe(200);
    expect(idle.body).toMatchObject({ status: 'degraded', checks: { workers: { ok: false, alive: 0 } } });

    const workers = await startWorkers(ctx, { relay: { onlyIds: [approved.outboxId!, mismatched.outboxId!], pollMs: 20 } });
    try {
      await waitFor(async () => (await value(ctx.metrics, METRIC_NAMES.decisions, { decider: 'registry', outcome: 'approved' })) === before.approved + 1, 15_000, 'approval counted');
      await waitFor(async () => (await value(ctx.metrics, METRIC_NAMES.decisions, { decider: 'registry', outcome: 'pending_review' })) === before.review + 1, 15_000, 'review counted');
      const ready = await waitFor(async () => {
        const res = await request(api).get('/api/health/ready');
        return res.body.checks?.workers?.alive === 1 ? res : undefined;
      }, 5_000, 'heartbeat seen');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({ status: 'ok', checks: { database: { ok: true }, redis: { ok: true }, workers: { ok: true, alive: 1 } } });
      expect(await value(ctx.metrics, METRIC_NAMES.workerHeartbeats, {})).toBe(1);
    } finally {
      await workers.close();
    }
    // A worker that stops takes its beat away.
    const after = await request(api).get('/api/health/ready');
    expect(after.body.checks.workers).toEqual({ ok: false, alive: 0 });
  });
});

describe('message deliveries', () => {
  let h: MessagingHarness;
  let workers: MessagingWorkers;
  beforeAll(async () => {
    h = await createMessagingHarness();
    workers = startMessagingWorkers(h.ctx);
  });
  afterAll(async () => {
    await workers?.close();
    await h?.close();
  });

  test('are counted by channel, status and errcode through the real delivery (subscribe 43101 → SMS)', async () => {
    const m = h.ctx.metrics;
    const family = await h.recipient({ role: 'parent', mp: true, phone: true, grants: { [h.ctx.config.WECHAT_SUBSCRIBE_REVIEW_RESULT]: 3 } });
    h.fake.inject({ path: '/cgi-bin/message/subscribe/send', touser: family.wechatMpOpenid!, errcode: 43101 });
    const labels = {
      subscribe: { channel: 'subscribe', status: 'skipped', errcode: '43101' },
      sms: { channel: 'sms', status: 'sent', errcode: '' },
    };
    const before = { subscribe: await value(m, METRIC_NAMES.deliveries, labels.subscribe), sms: await value(m, METRIC_NAMES.deliveries, labels.sms) };
    const id = await h.notification(family.id, 'review.returned', { studentNameMasked: '李*', reason: '年级或班级填写错误' });
    const jobId = await deliveryJob(h.ctx, id);
    expect(await notificationJobSettled(h, jobId)).toBe('completed');
    expect(await value(m, METRIC_NAMES.deliveries, labels.subscribe)).toBe(before.subscribe + 1);
    expect(await value(m, METRIC_NAMES.deliveries, labels.sms)).toBe(before.sms + 1);
  });
});
