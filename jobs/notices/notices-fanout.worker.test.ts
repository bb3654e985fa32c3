/**
 * The notice fan-out end to end: API → outbox → relay → notices-fanout worker
 * → deliver-notifications outbox rows → the same relay → notifications worker
 * → the fake WeChat over HTTP. Every family must get
 * exactly one message, also when the fan-out is interrupted and run again.
 */
import { and, count, eq, isNotNull, sql } from 'drizzle-orm';
import { noticeRecipients, notifications, outbox } from '../../server/db/schema';
import { createMessagingHarness, messagingJobsOf, waitFor, type MessagingHarness } from '../../server/services/messaging/messaging-test-support';
import { fanOutNotice } from '../../server/services/notices/fanout';
import { createNotice } from '../../server/services/notices/notices';
import { buildApprovedFamilies, schoolWithTeacher, staffWithSession, type BulkFamily } from '../../server/services/notices/notices-test-support';
import { buildClass } from '../../server/test/factories';
import { scopedRelay } from '../notifications/delivery-test-support';
import { startMessagingWorkers, type MessagingWorkers } from '../notifications/notifications.worker';
import { startNoticesFanoutWorker } from './notices-fanout.worker';

jest.setTimeout(240_000);

let h: MessagingHarness;
let messaging: MessagingWorkers;

beforeAll(async () => {
  h = await createMessagingHarness({ NOTIFY_CONCURRENCY: '20', DATABASE_POOL_MAX: '12' });
  messaging = startMessagingWorkers(h.ctx);
});

afterAll(async () => {
  await messaging.close();
  await h.close();
});

async function deliveredCount(noticeId: string): Promise<number> {
  const [row] = await h.ctx.db
    .select({ n: count() })
    .from(noticeRecipients)
    .where(and(eq(noticeRecipients.noticeId, noticeId), isNotNull(noticeRecipients.deliveredAt)));
  return Number(row?.n ?? 0);
}

/** Each family got exactly one message, on the channel its identities call for. */
function expectEachOnce(families: BulkFamily[]): void {
  const byUser = new Map<string, number>();
  for (const m of h.fake.messages()) byUser.set(m.touser, (byUser.get(m.touser) ?? 0) + 1);
  const missing: string[] = [];
  const twice: string[] = [];
  for (const f of families) {
    const touser = f.channel === 'subscribe' ? f.mpOpenid : f.oaOpenid!;
    const n = byUser.get(touser) ?? 0;
    if (n === 0) missing.push(touser);
    if (n > 1) twice.push(touser);
    // Never on the other channel as well.
    const other = f.channel === 'subscribe' ? f.oaOpenid : f.mpOpenid;
    if (other && byUser.has(other)) twice.push(other);
  }
  expect({ missing: missing.length, twice: twice.length }).toEqual({ missing: 0, twice: 0 });
}

/** The relay of this notice's rows: its fan-out job and the delivery jobs of its notifications. */
function noticeRelay(noticeId: string) {
  return scopedRelay(
    h.ctx,
    sql`((${outbox.queue} = 'notices-fanout' and ${outbox.payload}->>'noticeId' = ${noticeId}) or ${messagingJobsOf(sql`${notifications.data}->>'noticeId' = ${noticeId}`)})`,
  );
}

/** The delivery jobs written for this notice's notifications: how many, and how many rows they carry in all. */
async function deliveryJobsOf(noticeId: string): Promise<{ jobs: number; rows: number }> {
  const rows = await h.ctx.db.select().from(outbox).where(messagingJobsOf(sql`${notifications.data}->>'noticeId' = ${noticeId}`));
  expect(rows.every((r) => r.job === 'deliver-notifications')).toBe(true);
  return { jobs: rows.length, rows: rows.reduce((n, r) => n + (r.payload as { notificationIds: string[] }).notificationIds.length, 0) };
}

async function recipientsOf(noticeId: string) {
  return h.ctx.db.select().from(noticeRecipients).where(eq(noticeRecipients.noticeId, noticeId));
}

test('When the fan-out dies after a batch commit, then the re-run reaches everyone exactly once', async () => {
  const { school, classes, teacher } = await schoolWithTeacher(h.ctx, 2);
  const families = await buildApprovedFamilies(h.ctx, { classIds: classes.map((c) => c.id), schoolId: school.id, count: 230, subscribeTemplateId: h.ctx.config.WECHAT_SUBSCRIBE_NOTICE });
  const { id: noticeId } = await createNotice(h.ctx, { id: teacher.accountId, role: 'teacher', schoolId: school.id }, { type: '通知', title: '运动会通知', body: '周五举行运动会', classIds: classes.map((c) => c.id), dueDate: null, requiresConfirmation: false }, null);

  // First run: batches 1–3 committed (their rows and delivery jobs together), then the process "dies".
  await expect(
    fanOutNotice(h.ctx, { noticeId }, {
      batchSize: 50,
      afterCommit: (batch) => {
        if (batch === 3) throw new Error('worker killed');
      },
    }),
  ).rejects.toThrow('worker killed');
  expect(await recipientsOf(noticeId)).toHaveLength(150);
  expect((await deliveryJobsOf(noticeId)).rows).toBe(150);

  // Second run through the real worker and the one relay, as in production.
  const fanout = startNoticesFanoutWorker(h.ctx, { batchSize: 50 });
  const relay = noticeRelay(noticeId);
  try {
    await waitFor(async () => (await deliveredCount(noticeId)) === 230 || undefined, 30_000, 'every family delivered');
  } finally {
    await relay.stop();
    await fanout.close();
  }

  const recipients = await recipientsOf(noticeId);
  expect(recipients).toHaveLength(230);
  expect(new Set(recipients.map((r) => r.studentId)).size).toBe(230);
  const rows = await h.ctx.db.select().from(notifications).where(sql`${notifications.data}->>'noticeId' = ${noticeId}`);
  expect(rows).toHaveLength(230);
  // The re-run's batches 1–3 inserted nothing, so they wrote no second delivery job.
  expect((await deliveryJobsOf(noticeId)).rows).toBe(230);
  expectEachOnce(families);
});

test('When the fan-out job fails mid-way, then BullMQ retries it from the saved cursor and nobody is missed or messaged twice', async () => {
  const { school, classes, teacher } = await schoolWithTeacher(h.ctx, 2);
  const families = await buildApprovedFamilies(h.ctx, { classIds: classes.map((c) => c.id), schoolId: school.id, count: 180, subscribeTemplateId: h.ctx.config.WECHAT_SUBSCRIBE_NOTICE });
  const { id: noticeId } = await createNotice(h.ctx, { id: teacher.accountId, role: 'teacher', schoolId: school.id }, { type: '作业', title: '阅读打卡', body: '每天阅读 20 分钟', classIds: classes.map((c) => c.id), dueDate: '2026-10-20', requiresConfirmation: true }, null);
  let crashes = 0;
  const fanout = startNoticesFanoutWorker(h.ctx, {
    batchSize: 40,
    afterCommit: (batch) => {
      if (batch === 3 && crashes === 0) {
        crashes += 1;
        throw new Error('connection reset');
      }
    },
  });
  const relay = noticeRelay(noticeId);
  try {
    await waitFor(async () => (await deliveredCount(noticeId)) === 180 || undefined, 30_000, 'every family delivered');
    const [job] = await h.ctx.queues['notices-fanout'].getJobs(['completed']);
    expect(job?.attemptsMade).toBe(2); // one failed attempt, then the retry that completed
    expect(job?.progress).toMatchObject({ batch: 5 });
    // The retry resumed after batch 2 (the last one saved): batches 3–5, not all five again.
    expect(job?.returnvalue).toMatchObject({ batches: 3 });
  } finally {
    await relay.stop();
    await fanout.close();
  }
  expect((await deliveryJobsOf(noticeId)).rows).toBe(180);
  expect(crashes).toBe(1);
  expect(await recipientsOf(noticeId)).toHaveLength(180);
  expectEachOnce(families);
});

test('A notice to a 3,000-recipient school reaches every recipient exactly once through the fake', async () => {
  const started = Date.now();
  const { school, teacher } = await schoolWithTeacher(h.ctx, 0);
  void teacher;
  const classes = [];
  for (let i = 0; i < 60; i += 1) classes.push(await buildClass(h.ctx.db, { schoolId: school.id, grade: i % 2 === 0 ? 'P3' : 'J1' }));
  const families = await buildApprovedFamilies(h.ctx, { classIds: classes.map((c) => c.id), schoolId: school.id, count: 3000, subscribeTemplateId: h.ctx.config.WECHAT_SUBSCRIBE_NOTICE });
  const built = Date.now();
  const admin = await staffWithSession(h.ctx, 'school_admin', school.id);
  const { id: noticeId } = await createNotice(h.ctx, { id: admin.accountId, role: 'school_admin', schoolId: school.id }, { type: '通知', title: '关于国庆节放假安排的通知', body: '10月1日至7日放假，8日正常上课。', classIds: classes.map((c) => c.id), dueDate: null, requiresConfirmation: true }, null);

  const fanout = startNoticesFanoutWorker(h.ctx);
  const relay = noticeRelay(noticeId);
  try {
    await waitFor(async () => (await deliveredCount(noticeId)) === 3000 || undefined, 180_000, '3,000 deliveries');
  } finally {
    await relay.stop();
    await fanout.close();
  }
  const done = Date.now();

  expect(await recipientsOf(noticeId)).toHaveLength(3000);
  expectEachOnce(families);
  const sent = h.fake.messages().filter((m) => m.data.thing1?.value === '关于国庆节放假安排的通知');
  expect(sent).toHaveLength(3000);
  expect(sent.filter((m) => m.kind === 'subscribe')).toHaveLength(1500);
  expect(sent.every((m) => (m.kind === 'subscribe' ? m.body.page : (m.body.miniprogram as { pagepath: string }).pagepath) === `pages/notices/detail?id=${noticeId}`)).toBe(true);
  // eslint-disable-next-line no-console
  console.log(`3,000-recipient notice: built in ${built - started} ms; fan-out + delivery through the fake in ${done - built} ms`);
});
