/**
 * deliver-notifications jobs (the notice fan-out's): many rows per job, made
 * through the outbox and the relay, run by the real workers against the fake
 * WeChat over HTTP. Same routes, fallbacks and errcodes as one row per job;
 * rows that must wait get a deliver-notification job of their own (an outbox
 * row available after the wait); a batch run again after a worker died sends
 * nothing twice.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { messageDeliveries, notifications, outbox } from '../../server/db/schema';
import { outboxJobId, writeOutbox } from '../../server/outbox/outbox';
import { createMessagingHarness, messagingJobsOf, notificationJobSettled, waitFor, type MessagingHarness } from '../../server/services/messaging/messaging-test-support';
import { relayOnce } from '../outbox-relay/outbox-relay';
import { scopedRelay } from './delivery-test-support';
import { buildAccount } from '../../server/test/factories';
import type { BatchOutcome } from './deliver-batch';
import { startMessagingWorkers, type MessagingWorkers } from './notifications.worker';

jest.setTimeout(60_000);

let h: MessagingHarness;
let workers: MessagingWorkers;
const SUBSCRIBE = '/cgi-bin/message/subscribe/send';

beforeAll(async () => {
  h = await createMessagingHarness();
  workers = startMessagingWorkers(h.ctx);
});

afterAll(async () => {
  await workers.close();
  await h.close();
});

const cfg = () => h.ctx.config;
const approved = { studentId: '00000000-0000-4000-8000-000000000001', studentNameMasked: '王**', cardNumber: 'JY3226000001234X' };
const statuses = (rows: { channel: string; status: string; errcode: number | null }[]) => rows.map((r) => `${r.channel}:${r.status}${r.errcode ? `:${r.errcode}` : ''}`);

const settled = (jobId: string, timeoutMs = 20_000) => notificationJobSettled(h, jobId, timeoutMs);

/** Write one deliver-notifications job of these rows, relay it and wait for it; resolves with its summary. */
async function runBatch(notificationIds: string[]): Promise<BatchOutcome> {
  const outboxId = await writeOutbox(h.ctx.db, 'deliver-notifications', { notificationIds });
  await relayOnce(h.ctx, { onlyIds: [outboxId] });
  const jobId = outboxJobId(outboxId);
  expect(await settled(jobId)).toBe('completed');
  expect((await h.ctx.queues.notifications.getJob(jobId))!.name).toBe('deliver-notifications');
  return (await h.ctx.queues.notifications.getJob(jobId))!.returnvalue as BatchOutcome;
}

test('When one job carries 40 families, then each gets one message on its channel and every subscribe grant is used once', async () => {
  const withGrant = await Promise.all(Array.from({ length: 20 }, () => h.recipient({ role: 'parent', mp: true, grants: { [cfg().WECHAT_SUBSCRIBE_REVIEW_RESULT]: 1 } })));
  const withOa = await Promise.all(Array.from({ length: 20 }, () => h.recipient({ role: 'parent', mp: true, oa: true })));
  const families = [...withGrant, ...withOa];
  const ids = await Promise.all(families.map((f) => h.notification(f.id, 'review.approved', approved, 'pages/status/index?studentId=s1')));

  expect(await runBatch(ids)).toMatchObject({ notifications: 40, sent: 40, failed: 0, handedOn: 0 });

  for (const f of withGrant) {
    expect(h.fake.messages({ touser: f.wechatMpOpenid! })).toHaveLength(1);
    expect((await h.grants(f.id))[0]!.available).toBe(0);
  }
  for (const f of withOa) {
    expect(h.fake.messages({ touser: f.wechatOaOpenid! })).toHaveLength(1);
    expect(h.fake.messages({ touser: f.wechatMpOpenid! })).toHaveLength(0);
  }
  const rows = await h.ctx.db.select().from(messageDeliveries).where(inArray(messageDeliveries.notificationId, ids));
  expect(rows.filter((r) => r.channel === 'subscribe' && r.status === 'skipped')).toHaveLength(20);
  const sent = rows.filter((r) => r.status === 'sent');
  expect(sent).toHaveLength(40);
  expect(sent.every((r) => r.attempts === 1 && r.sentAt !== null && r.providerMessageId !== null)).toBe(true);
});

test('When one batch meets 43101, 45009, 47003 and a recipient without any channel, then each row ends as it would alone, and the 45009 one is retried on a job of its own', async () => {
  const refused = await h.recipient({ role: 'parent', mp: true, oa: true, grants: { [cfg().WECHAT_SUBSCRIBE_REVIEW_RESULT]: 2 } });
  const quota = await h.recipient({ role: 'parent', mp: true, oa: true, grants: { [cfg().WECHAT_SUBSCRIBE_REVIEW_RESULT]: 1 } });
  const invalid = await h.recipient({ role: 'parent', mp: true, oa: true, grants: { [cfg().WECHAT_SUBSCRIBE_REVIEW_RESULT]: 1 } });
  const nobody = await buildAccount(h.ctx.db, { role: 'teacher' });
  h.fake.inject({ path: SUBSCRIBE, touser: refused.wechatMpOpenid!, errcode: 43101 });
  h.fake.inject({ path: SUBSCRIBE, touser: quota.wechatMpOpenid!, errcode: 45009 });
  h.fake.inject({ path: SUBSCRIBE, touser: invalid.wechatMpOpenid!, errcode: 47003, errmsg: 'argument invalid! data.thing3.value' });
  const [a, b, c] = await Promise.all([refused, quota, invalid].map((f) => h.notification(f.id, 'review.approved', approved)));
  const d = await h.notification(nobody.id, 'review.digest', { count: 1 });

  expect(await runBatch([a!, b!, c!, d])).toMatchObject({ notifications: 4, sent: 1, failed: 1, notSent: 1, handedOn: 1 });

  expect(statuses(await h.deliveries(a!))).toEqual(['subscribe:skipped:43101', 'template:sent']);
  expect((await h.grants(refused.id))[0]!.available).toBe(0);
  expect(statuses(await h.deliveries(c!))).toEqual(['subscribe:failed:47003']);
  expect(statuses(await h.deliveries(d))).toEqual(['template:skipped', 'subscribe:skipped', 'sms:skipped']);
  // The quota row waits on its own job (no attempt spent, no fallback), then goes out on the same channel.
  const relay = scopedRelay(h.ctx, messagingJobsOf(eq(notifications.id, b!)));
  try {
    await waitFor(async () => (await h.deliveries(b!)).some((r) => r.status === 'sent') || undefined, 20_000, 'the handed-on row sent');
  } finally {
    await relay.stop();
  }
  const rows = await h.deliveries(b!);
  expect(statuses(rows)).toEqual(['subscribe:sent']);
  expect(rows[0]!.attempts).toBe(2);
  expect(h.fake.messages({ touser: quota.wechatMpOpenid! })).toHaveLength(1);
  expect(h.fake.messages({ touser: quota.wechatOaOpenid! })).toHaveLength(0);
});

test('When a batch runs again after its worker died mid-batch, then what was sent is not sent again, the unsent rows go out, and a send in doubt follows the at-most-once rules', async () => {
  const grant = { [cfg().WECHAT_SUBSCRIBE_REVIEW_RESULT]: 1 };
  const families = await Promise.all(Array.from({ length: 5 }, () => h.recipient({ role: 'parent', mp: true, grants: grant })));
  const teacher = await h.recipient({ role: 'teacher', oa: true });
  const ids = await Promise.all(families.map((f) => h.notification(f.id, 'review.approved', approved)));
  const teacherRow = await h.notification(teacher.id, 'review.digest', { count: 1 });
  // What the dead worker left: families[0] sent and recorded, families[1] claimed and maybe sent (lease over),
  // the teacher's template message sent but not recorded (claim over its lease), families[2..4] never reached.
  await runBatch([ids[0]!, teacherRow]);
  const before = h.fake.messages().length;
  await h.ctx.db.insert(messageDeliveries).values({ notificationId: ids[1]!, accountId: families[1]!.id, channel: 'subscribe', status: 'sending', attempts: 1 });
  await h.ctx.db
    .update(messageDeliveries)
    .set({ status: 'sending', updatedAt: sql`now() - interval '5 minutes'` })
    .where(eq(messageDeliveries.notificationId, teacherRow));
  await h.ctx.db
    .update(messageDeliveries)
    .set({ updatedAt: sql`now() - interval '5 minutes'` })
    .where(eq(messageDeliveries.notificationId, ids[1]!));

  const summary = await runBatch([...ids, teacherRow]);

  expect(summary).toMatchObject({ notifications: 6, sent: 5, failed: 1, handedOn: 0 });
  expect(statuses(await h.deliveries(ids[1]!))).toEqual(['subscribe:failed']);
  expect(h.fake.messages({ touser: families[1]!.wechatMpOpenid! })).toHaveLength(0);
  for (const f of [families[0]!, families[2]!, families[3]!, families[4]!]) expect(h.fake.messages({ touser: f.wechatMpOpenid! })).toHaveLength(1);
  // The template message was re-sent with the same client_msg_id: WeChat keeps one.
  expect(h.fake.messages({ touser: teacher.wechatOaOpenid! })).toHaveLength(1);
  expect((await h.deliveries(teacherRow))[0]).toMatchObject({ status: 'sent', attempts: 2 });
  expect(h.fake.messages().length - before).toBe(3);
});

test('When another worker holds a fresh claim on a row of the batch, then the batch leaves it to a job of its own, delayed past the lease', async () => {
  const family = await h.recipient({ role: 'parent', mp: true, grants: { [cfg().WECHAT_SUBSCRIBE_REVIEW_RESULT]: 1 } });
  const id = await h.notification(family.id, 'review.approved', approved);
  await h.ctx.db.insert(messageDeliveries).values({ notificationId: id, accountId: family.id, channel: 'subscribe', status: 'sending', attempts: 1 });

  expect(await runBatch([id])).toMatchObject({ sent: 0, handedOn: 1 });

  // Its own job waits in the outbox until the lease is over.
  const [own] = await h.ctx.db
    .select()
    .from(outbox)
    .where(and(eq(outbox.job, 'deliver-notification'), sql`${outbox.payload}->>'notificationId' = ${id}`, sql`${outbox.dispatchedAt} is null`));
  expect(own!.availableAt.getTime() - Date.now()).toBeGreaterThan(55_000);
  expect(h.fake.messages({ touser: family.wechatMpOpenid! })).toHaveLength(0);
  await h.ctx.db.delete(outbox).where(eq(outbox.id, own!.id));
});
