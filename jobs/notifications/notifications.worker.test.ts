/**
 * Delivery against the fake WeChat over HTTP, errcode by errcode, through the
 * outbox, the relay and the real notifications and digests workers (real
 * Redis, real PostgreSQL).
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import { accounts, messageDeliveries, notifications, outbox, profileVersions, reviewDigestWindows } from '../../server/db/schema';
import { outboxJobId } from '../../server/outbox/outbox';
import { readDevInbox } from '../../server/integrations/sms';
import { createMessagingHarness, messagingJobsOf, notificationJobSettled, OA_APPID, waitFor, type MessagingHarness } from '../../server/services/messaging/messaging-test-support';
import { writeNotifications } from '../../server/services/notifications/notifications';
import { buildAccount, buildSubmittedVersion } from '../../server/test/factories';
import { deliveryJob, scopedRelay } from './delivery-test-support';
import { startMessagingWorkers, type MessagingWorkers } from './notifications.worker';

jest.setTimeout(30_000);

let h: MessagingHarness;
let workers: MessagingWorkers;
const TEMPLATE = '/cgi-bin/message/template/send';
const SUBSCRIBE = '/cgi-bin/message/subscribe/send';

beforeAll(async () => {
  // A window longer than the file: the tests close it themselves (closeWindow), so they assert order, not timing.
  h = await createMessagingHarness({ DIGEST_WINDOW_S: '3600' });
  workers = startMessagingWorkers(h.ctx);
});

afterAll(async () => {
  await workers.close();
  await h.close();
});

const cfg = () => h.ctx.config;

/** A new deliver-notification job of the row (outbox row, relayed): each call is another job of the same notification. */
const enqueue = (notificationId: string): Promise<string> => deliveryJob(h.ctx, notificationId);

const settled = (jobId: string, timeoutMs = 10_000) => notificationJobSettled(h, jobId, timeoutMs);

async function deliver(notificationId: string): Promise<Awaited<ReturnType<MessagingHarness['deliveries']>>> {
  await settled(await enqueue(notificationId));
  return h.deliveries(notificationId);
}

const statuses = (rows: { channel: string; status: string; errcode: number | null }[]) => rows.map((r) => `${r.channel}:${r.status}${r.errcode ? `:${r.errcode}` : ''}`);

const approved = (cardNumber = 'JY3226000001234X') => ({ studentId: '00000000-0000-4000-8000-000000000001', studentNameMasked: '王**', cardNumber });

describe('family route: subscribe → template → SMS', () => {
  test('When the family holds a grant, then one subscribe message is sent with the page, state and formatted fields, and the grant is used', async () => {
    const family = await h.recipient({ role: 'parent', mp: true, oa: true, grants: { [cfg().WECHAT_SUBSCRIBE_REVIEW_RESULT]: 2 } });
    const id = await h.notification(family.id, 'review.approved', approved(), 'pages/status/index?studentId=s1');

    expect(statuses(await deliver(id))).toEqual(['subscribe:sent']);

    const [message] = h.fake.messages({ touser: family.wechatMpOpenid! });
    expect(message).toMatchObject({
      kind: 'subscribe',
      template_id: cfg().WECHAT_SUBSCRIBE_REVIEW_RESULT,
      body: { page: 'pages/status/index?studentId=s1', miniprogram_state: 'formal' },
      data: { name1: { value: '王**' }, phrase2: { value: '已通过' }, thing3: { value: '卡号JY3226000001234X' } },
    });
    expect(message!.data.time4!.value).toMatch(/^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}$/);
    expect((await h.grants(family.id))[0]!.available).toBe(1);
  });

  test('When subscribe answers 43101, then the grants are reset and, without an official-account openid, the SMS goes out', async () => {
    const family = await h.recipient({ role: 'parent', mp: true, phone: true, grants: { [cfg().WECHAT_SUBSCRIBE_REVIEW_RESULT]: 3 } });
    h.fake.inject({ path: SUBSCRIBE, touser: family.wechatMpOpenid!, errcode: 43101 });
    const id = await h.notification(family.id, 'review.returned', { studentNameMasked: '李*', reason: '年级或班级填写错误：学籍在一班\n请核对' });

    expect(statuses(await deliver(id))).toEqual(['subscribe:skipped:43101', 'template:skipped', 'sms:sent']);

    expect((await h.grants(family.id))[0]!.available).toBe(0);
    const [sms] = await readDevInbox(h.ctx.redis, cfg().QUEUE_PREFIX, { phone: family.phone! });
    expect(sms).toMatchObject({ template: 'review_returned' });
    expect(sms!.text).toContain('李*的学生认证资料被退回：年级或班级填写错误：学籍在一班 请核对');
  });

  test('When subscribe answers 40003, then the template message is sent to the official-account openid with the mini-program link', async () => {
    const family = await h.recipient({ role: 'parent', mp: true, oa: true, grants: { [cfg().WECHAT_SUBSCRIBE_NOTICE]: 1 } });
    h.fake.inject({ path: SUBSCRIBE, touser: family.wechatMpOpenid!, errcode: 40003 });
    const id = await h.notification(family.id, 'notice.published', { noticeId: '00000000-0000-4000-8000-0000000000n1'.replace('n1', '01'), title: '关于国庆节放假及假期安全教育的重要通知（请各位家长务必仔细阅读）', type: '通知' }, 'pages/notices/detail?id=n1');

    const rows = await deliver(id);

    expect(statuses(rows)).toEqual(['subscribe:skipped:40003', 'template:sent']);
    const [message] = h.fake.messages({ touser: family.wechatOaOpenid! });
    expect(message).toMatchObject({
      kind: 'template',
      body: { miniprogram: { appid: cfg().WECHAT_MP_APPID, pagepath: 'pages/notices/detail?id=n1' }, client_msg_id: rows[1]!.id },
      violations: [],
    });
    expect(message!.data.thing1!.value).toBe('关于国庆节放假及假期安全教育的重要通知…');
    expect([...message!.data.thing1!.value]).toHaveLength(20);
    expect(message!.data).not.toHaveProperty('first');
    // The grant was not used: the message did not go out on that channel.
    expect((await h.grants(family.id))[0]!.available).toBe(1);
  });

  test('When the quota is reached (45009), then the job is delayed and retried on the same channel, never falling back', async () => {
    const family = await h.recipient({ role: 'parent', mp: true, oa: true, grants: { [cfg().WECHAT_SUBSCRIBE_REVIEW_RESULT]: 1 } });
    h.fake.inject({ path: SUBSCRIBE, touser: family.wechatMpOpenid!, errcode: 45009 });
    const id = await h.notification(family.id, 'review.approved', approved());
    const jobId = await enqueue(id);

    const queued = await waitFor(async () => (await h.deliveries(id)).find((d) => d.status === 'queued'), 5_000, 'queued row');
    expect(queued).toMatchObject({ channel: 'subscribe', errcode: 45009, attempts: 1 });
    expect(queued.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now() - 1_000);
    expect(await settled(jobId)).toBe('completed');

    const rows = await h.deliveries(id);
    expect(statuses(rows)).toEqual(['subscribe:sent']);
    expect(rows[0]!.attempts).toBe(2);
    expect(h.fake.messages({ touser: family.wechatMpOpenid! })).toHaveLength(1);
    expect(h.fake.messages({ touser: family.wechatOaOpenid! })).toHaveLength(0);
  });

  test('When a value breaks a rule (47003), then the delivery is failed with the errcode and no other channel is tried', async () => {
    const family = await h.recipient({ role: 'parent', mp: true, oa: true, phone: true, grants: { [cfg().WECHAT_SUBSCRIBE_REVIEW_RESULT]: 1 } });
    h.fake.inject({ path: SUBSCRIBE, touser: family.wechatMpOpenid!, errcode: 47003, errmsg: 'argument invalid! data.thing3.value' });
    const id = await h.notification(family.id, 'review.approved', approved());

    const rows = await deliver(id);

    expect(statuses(rows)).toEqual(['subscribe:failed:47003']);
    expect(rows[0]!.errmsg).toContain('data.thing3.value');
    expect(h.fake.messages({ touser: family.wechatOaOpenid! })).toHaveLength(0);
    expect(await readDevInbox(h.ctx.redis, cfg().QUEUE_PREFIX, { phone: family.phone! })).toHaveLength(0);
  });
});

describe('teacher route: template → subscribe → SMS', () => {
  test('When the teacher does not follow the official account (43004), then the subscribe message is sent', async () => {
    const teacher = await h.recipient({ role: 'teacher', oa: true, mp: true, grants: { [cfg().WECHAT_SUBSCRIBE_REVIEW_DIGEST]: 1 } });
    h.fake.inject({ path: TEMPLATE, touser: teacher.wechatOaOpenid!, errcode: 43004 });
    const id = await h.notification(teacher.id, 'review.digest', { count: 2 }, 'pages/review/index');

    expect(statuses(await deliver(id))).toEqual(['template:skipped:43004', 'subscribe:sent']);
    expect(h.fake.messages({ touser: teacher.wechatMpOpenid! })[0]).toMatchObject({ data: { thing1: { value: '2份学生认证资料待审核' }, number2: { value: '2' } } });
  });

  test('When WeChat answers 5xx twice, then the queue retries and the message is delivered exactly once', async () => {
    const teacher = await h.recipient({ role: 'teacher', oa: true });
    h.fake.inject({ path: TEMPLATE, touser: teacher.wechatOaOpenid!, httpStatus: 502, times: 2 });
    const id = await h.notification(teacher.id, 'review.digest', { count: 1 }, 'pages/review/detail?id=v1');

    const rows = await deliver(id);

    expect(statuses(rows)).toEqual(['template:sent']);
    expect(rows[0]!.attempts).toBe(3);
    expect(h.fake.messages({ touser: teacher.wechatOaOpenid! })).toHaveLength(1);
  });

  test('When the access token is rotated in the middle of a batch (40001), then each send refreshes and retries once and all 30 arrive once', async () => {
    const teachers = await Promise.all(Array.from({ length: 30 }, () => h.recipient({ role: 'teacher', oa: true })));
    const ids = await Promise.all(teachers.map((t) => h.notification(t.id, 'review.digest', { count: 1 })));
    const jobs = await Promise.all(ids.map((id) => enqueue(id)));
    const touched = new Set(teachers.map((t) => t.wechatOaOpenid!));
    await waitFor(async () => h.fake.messages({ kind: 'template' }).filter((m) => touched.has(m.touser)).length >= 5 || undefined, 10_000, 'first sends');
    h.fake.rotateToken(OA_APPID);

    for (const job of jobs) expect(await settled(job)).toBe('completed');

    const sent = h.fake.messages({ kind: 'template' }).filter((m) => touched.has(m.touser));
    expect(sent).toHaveLength(30);
    expect(new Set(sent.map((m) => m.touser)).size).toBe(30);
    const rejected = h.fake.calls({ path: TEMPLATE }).filter((c) => c.errcode === 40001);
    expect(rejected.length).toBeGreaterThanOrEqual(1);
    for (const id of ids) expect(statuses(await h.deliveries(id))).toEqual(['template:sent']);
  });
});

describe('never twice', () => {
  test('When the job is delivered again (another job id, same notification), then nothing is sent again', async () => {
    const teacher = await h.recipient({ role: 'teacher', oa: true });
    const id = await h.notification(teacher.id, 'review.digest', { count: 4 });
    await deliver(id);

    expect(await settled(await enqueue(id))).toBe('completed');
    expect(await settled(await enqueue(id))).toBe('completed');

    expect(h.fake.messages({ touser: teacher.wechatOaOpenid! })).toHaveLength(1);
    expect((await h.deliveries(id))[0]!.attempts).toBe(1);
  });

  test('When a worker died after a template send (stale claim), then the re-send carries the same client_msg_id and WeChat keeps one message', async () => {
    const teacher = await h.recipient({ role: 'teacher', oa: true });
    const id = await h.notification(teacher.id, 'review.digest', { count: 1 });
    const [row] = await deliver(id);
    await h.ctx.db
      .update(messageDeliveries)
      .set({ status: 'sending', updatedAt: sql`now() - interval '5 minutes'` })
      .where(eq(messageDeliveries.id, row!.id));

    expect(await settled(await enqueue(id))).toBe('completed');

    expect(h.fake.calls({ path: TEMPLATE }).filter((c) => (c.body as { touser?: string }).touser === teacher.wechatOaOpenid)).toHaveLength(2);
    expect(h.fake.messages({ touser: teacher.wechatOaOpenid! })).toHaveLength(1);
    expect((await h.deliveries(id))[0]).toMatchObject({ status: 'sent', attempts: 2 });
  });

  test('When a worker died during a subscribe send, then it is not re-sent (no de-duplication key): recorded failed', async () => {
    const family = await h.recipient({ role: 'parent', mp: true, oa: true, grants: { [cfg().WECHAT_SUBSCRIBE_REVIEW_RESULT]: 5 } });
    const id = await h.notification(family.id, 'review.approved', approved());
    await h.ctx.db.insert(messageDeliveries).values({
      notificationId: id,
      accountId: family.id,
      channel: 'subscribe',
      status: 'sending',
      attempts: 1,
      updatedAt: new Date(Date.now() - 5 * 60_000),
    });

    const rows = await deliver(id);

    expect(statuses(rows)).toEqual(['subscribe:failed']);
    expect(rows[0]!.errmsg).toContain('outcome unknown');
    expect(h.fake.messages({ touser: family.wechatMpOpenid! })).toHaveLength(0);
    expect(h.fake.messages({ touser: family.wechatOaOpenid! })).toHaveLength(0);
  });
});

describe('never twice after a time-out', () => {
  test('When a subscribe send gets no answer in time, then it is recorded failed (outcome unknown) and not re-sent: WeChat may have taken it', async () => {
    const family = await h.recipient({ role: 'parent', mp: true, oa: true, grants: { [cfg().WECHAT_SUBSCRIBE_REVIEW_RESULT]: 2 } });
    // Longer than the client's 5 s time-out: WeChat handles it, the answer comes too late.
    h.fake.inject({ path: SUBSCRIBE, touser: family.wechatMpOpenid!, delayMs: 6_000 });
    const id = await h.notification(family.id, 'review.approved', approved());

    const rows = await deliver(id);

    expect(statuses(rows)).toEqual(['subscribe:failed']);
    expect(rows[0]!.errmsg).toContain('outcome unknown');
    // One request reached WeChat; none after it, on this channel or another.
    expect(h.fake.calls({ path: SUBSCRIBE }).filter((c) => (c.body as { touser?: string }).touser === family.wechatMpOpenid)).toHaveLength(1);
    expect(h.fake.messages({ touser: family.wechatOaOpenid! })).toHaveLength(0);
  });
});

describe('written with their delivery jobs', () => {
  test('When notification rows are written in bulk (the semester reminders), then the one relay queues each once and each is delivered once', async () => {
    const family = await h.recipient({ role: 'parent', oa: true });
    await h.ctx.db.transaction((tx) =>
      writeNotifications(
        tx,
        ['d3', 'd1'].map((bucket) => ({
          accountId: family.id,
          kind: 'reconfirm.reminder' as const,
          dedupKey: `test:reconfirm.reminder:${family.id}:${bucket}`,
          data: { studentNameMasked: '张*', semesterName: '2026-2027学年第一学期', deadline: '2026-09-30', daysLeft: bucket === 'd3' ? 3 : 1 },
          pagePath: 'pages/reconfirm/index',
        })),
      ),
    );
    // Written again (a re-run of the same bucket): no row, no job.
    await h.ctx.db.transaction((tx) =>
      writeNotifications(tx, [{ accountId: family.id, kind: 'reconfirm.reminder', dedupKey: `test:reconfirm.reminder:${family.id}:d3`, data: {}, pagePath: null }]),
    );
    const jobs = await h.ctx.db.select().from(outbox).where(messagingJobsOf(eq(notifications.accountId, family.id)));
    expect(jobs.map((j) => [j.queue, j.job])).toEqual([
      ['notifications', 'deliver-notification'],
      ['notifications', 'deliver-notification'],
    ]);

    const relay = scopedRelay(h.ctx, messagingJobsOf(eq(notifications.accountId, family.id)));
    try {
      await waitFor(async () => h.fake.messages({ touser: family.wechatOaOpenid! }).length === 2 || undefined, 10_000, 'both reminders');
    } finally {
      await relay.stop();
    }
    for (const j of jobs) expect(await settled(outboxJobId(j.id))).toBe('completed');
    const sent = h.fake.messages({ touser: family.wechatOaOpenid! });
    expect(sent.map((m) => m.data.thing4!.value).sort()).toEqual(['还剩1天，请尽快确认', '还剩3天，请尽快确认']);
    expect(sent[0]!.data.time3!.value).toBe('2026年9月30日');
  });
});

describe('teacher digest', () => {
  async function waitingFor(teacherId: string, count: number): Promise<string[]> {
    const versionIds: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const built = await buildSubmittedVersion(h.ctx, { withOutbox: false });
      await h.ctx.db
        .update(profileVersions)
        .set({ status: 'pending_review', assignedReviewerId: teacherId })
        .where(eq(profileVersions.id, built.version.id));
      versionIds.push(built.version.id);
    }
    return versionIds;
  }

  /** The review.waiting rows of these versions, each delivered by its job, one after the other. */
  async function announce(teacherId: string, versionIds: string[]): Promise<void> {
    for (const versionId of versionIds) {
      const id = await h.notification(teacherId, 'review.waiting', { versionId }, `pages/review/detail?id=${versionId}`);
      expect(await settled(await enqueue(id))).toBe('completed');
    }
  }

  /**
   * The window ends (its end moved to now, instead of waiting DIGEST_WINDOW_S): the relay hands over the
   * window's review-digest job, and then the delivery job of the digest it writes. Resolves with the digest job's result.
   */
  async function closeWindow(teacherId: string): Promise<{ outcome: string; count?: number }> {
    await h.ctx.db.update(reviewDigestWindows).set({ closesAt: sql`now()` }).where(eq(reviewDigestWindows.teacherId, teacherId));
    const rows = await h.ctx.db
      .update(outbox)
      .set({ availableAt: sql`now()` })
      .where(and(eq(outbox.job, 'review-digest'), sql`${outbox.payload}->>'teacherId' = ${teacherId}`, isNull(outbox.dispatchedAt)))
      .returning({ id: outbox.id });
    expect(rows).toHaveLength(1);
    const relay = scopedRelay(h.ctx, messagingJobsOf(eq(notifications.accountId, teacherId)));
    try {
      const jobId = outboxJobId(rows[0]!.id);
      await waitFor(async () => (await h.ctx.queues.digests.getJobState(jobId)) === 'completed' || undefined, 10_000, 'the review-digest job');
      const job = (await h.ctx.queues.digests.getJob(jobId))!;
      const result = job.returnvalue as { outcome: string; count?: number; notificationId?: string };
      if (result.outcome === 'written') {
        await waitFor(async () => (await h.deliveries(result.notificationId!)).some((d) => d.status === 'sent') || undefined, 10_000, 'the digest sent');
      }
      return result;
    } finally {
      await relay.stop();
    }
  }

  const digests = (teacherId: string) => h.ctx.db.select().from(notifications).where(and(eq(notifications.accountId, teacherId), eq(notifications.kind, 'review.digest')));
  const summary = (m: ReturnType<MessagingHarness['fake']['messages']>[number]) => ({
    page: (m.body.miniprogram as { pagepath: string }).pagepath,
    count: m.data.number2!.value,
  });

  test('When 3 submissions wait within one window, then the first reaches the teacher at once and the other 2 come as one digest that opens the list when the window closes', async () => {
    const teacher = await h.recipient({ role: 'teacher', oa: true });
    const versionIds = await waitingFor(teacher.id, 3);

    await announce(teacher.id, versionIds);

    // Before the window closes: the first submission only, opening its detail page.
    const early = h.fake.messages({ touser: teacher.wechatOaOpenid! });
    expect(early.map(summary)).toEqual([{ page: `pages/review/detail?id=${versionIds[0]}`, count: '1' }]);
    expect(early[0]).toMatchObject({ template_id: h.ctx.config.WECHAT_TEMPLATE_REVIEW_DIGEST, data: { thing1: { value: '1份学生认证资料待审核' } } });

    expect(await closeWindow(teacher.id)).toMatchObject({ outcome: 'written', count: 2 });

    const sent = h.fake.messages({ touser: teacher.wechatOaOpenid! });
    expect(sent.map(summary)).toEqual([
      { page: `pages/review/detail?id=${versionIds[0]}`, count: '1' },
      { page: 'pages/review/index', count: '2' },
    ]);
    expect(sent[1]).toMatchObject({ data: { thing1: { value: '2份学生认证资料待审核' } } });
    expect(await digests(teacher.id)).toHaveLength(1);
  });

  test('When one later submission waits, then the digest opens its detail page; the next submission after the window is sent at once again', async () => {
    const teacher = await h.recipient({ role: 'teacher', oa: true });
    const [first, second, third] = await waitingFor(teacher.id, 3);

    await announce(teacher.id, [first!, second!]);
    expect(await closeWindow(teacher.id)).toMatchObject({ outcome: 'written', count: 1 });
    await announce(teacher.id, [third!]);

    expect(h.fake.messages({ touser: teacher.wechatOaOpenid! }).map(summary)).toEqual([
      { page: `pages/review/detail?id=${first}`, count: '1' },
      { page: `pages/review/detail?id=${second}`, count: '1' },
      { page: `pages/review/detail?id=${third}`, count: '1' },
    ]);
  });

  test('When the later submissions were decided before the window closed, then no digest is sent', async () => {
    const teacher = await h.recipient({ role: 'teacher', oa: true });
    const versionIds = await waitingFor(teacher.id, 3);
    await announce(teacher.id, versionIds);
    await h.ctx.db.update(profileVersions).set({ status: 'approved' }).where(eq(profileVersions.assignedReviewerId, teacher.id));

    expect(await closeWindow(teacher.id)).toEqual({ outcome: 'nothing_waiting' });

    expect(h.fake.messages({ touser: teacher.wechatOaOpenid! })).toHaveLength(1);
    expect(await digests(teacher.id)).toHaveLength(0);
  });

  test('When the job of a gathered submission runs again, then it stays gathered and nothing more is sent', async () => {
    const teacher = await h.recipient({ role: 'teacher', oa: true });
    const [first, second] = await waitingFor(teacher.id, 2);
    await announce(teacher.id, [first!]);
    const gathered = await h.notification(teacher.id, 'review.waiting', { versionId: second }, `pages/review/detail?id=${second}`);
    const opener = await h.ctx.db.select().from(notifications).where(and(eq(notifications.accountId, teacher.id), sql`${notifications.data}->>'versionId' = ${first}`));

    for (const id of [gathered, gathered, opener[0]!.id]) expect(await settled(await enqueue(id))).toBe('completed');

    expect(h.fake.messages({ touser: teacher.wechatOaOpenid! })).toHaveLength(1);
    expect(await closeWindow(teacher.id)).toMatchObject({ outcome: 'written', count: 1 });
    expect(h.fake.messages({ touser: teacher.wechatOaOpenid! })).toHaveLength(2);
  });

  test('When the first of a window runs again after the window moved on, then it stays sent and is not gathered into the next one', async () => {
    const teacher = await h.recipient({ role: 'teacher', oa: true });
    const [first, second] = await waitingFor(teacher.id, 2);
    await announce(teacher.id, [first!]);
    expect(await closeWindow(teacher.id)).toEqual({ outcome: 'nothing_waiting' });
    await announce(teacher.id, [second!]);
    const [opener] = await h.ctx.db.select().from(notifications).where(and(eq(notifications.accountId, teacher.id), sql`${notifications.data}->>'versionId' = ${first}`));

    expect(await settled(await enqueue(opener!.id))).toBe('completed');

    const [again] = await h.ctx.db.select().from(notifications).where(eq(notifications.id, opener!.id));
    expect(again!.digestWindowId).toBeNull();
    expect(h.fake.messages({ touser: teacher.wechatOaOpenid! })).toHaveLength(2);
    expect(await closeWindow(teacher.id)).toEqual({ outcome: 'nothing_waiting' });
  });

  test('A teacher without any channel leaves skipped rows, and a disabled account is not messaged', async () => {
    const nobody = await buildAccount(h.ctx.db, { role: 'teacher' });
    const id = await h.notification(nobody.id, 'review.digest', { count: 1 });
    expect(statuses(await deliver(id))).toEqual(['template:skipped', 'subscribe:skipped', 'sms:skipped']);

    const disabled = await h.recipient({ role: 'parent', oa: true });
    await h.ctx.db.update(accounts).set({ status: 'disabled' }).where(eq(accounts.id, disabled.id));
    const other = await h.notification(disabled.id, 'review.approved', approved());
    expect(await deliver(other)).toEqual([]);
    expect(h.fake.messages({ touser: disabled.wechatOaOpenid! })).toHaveLength(0);
  });
});
