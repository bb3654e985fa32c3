import { and, eq, sql } from 'drizzle-orm';
import request from 'supertest';
import { noticeRecipients, noticeReminders, notices, notifications, outbox, teacherClasses } from '../../../db/schema';
import { createMessagingHarness, type MessagingHarness } from '../../../services/messaging/messaging-test-support';
import { fanOutNotice } from '../../../services/notices/fanout';
import { buildApprovedFamilies, schoolWithTeacher, sessionFor, staffWithSession, type BulkFamily } from '../../../services/notices/notices-test-support';
import { buildClass } from '../../../test/factories';
import { createApp } from '../../app';

jest.setTimeout(30_000);

let h: MessagingHarness;
let app: ReturnType<ReturnType<typeof createApp>['callback']>;

beforeAll(async () => {
  h = await createMessagingHarness();
  app = createApp(h.ctx).callback();
});

afterAll(async () => {
  await h.close();
});

const api = {
  get: (path: string, token: string) => request(app).get(path).set('Authorization', `Bearer ${token}`),
  post: (path: string, token: string, body: object = {}) => request(app).post(path).set('Authorization', `Bearer ${token}`).send(body),
};

const homework = (classIds: string[], extra: object = {}) => ({
  type: '作业',
  title: '周末数学练习',
  body: '完成练习册第 12–13 页。\n<script>alert(1)</script> 原样保存',
  classIds,
  dueDate: '2026-10-12',
  requiresConfirmation: true,
  ...extra,
});

/** Publish through the API, then run the fan-out inline (what the notices-fanout worker does) and mark its outbox row done. */
async function publish(token: string, body: object): Promise<string> {
  const res = await api.post('/api/notices', token, body);
  expect(res.status).toBe(201);
  const noticeId = res.body.id as string;
  const [row] = await h.ctx.db.select().from(outbox).where(and(eq(outbox.queue, 'notices-fanout'), sql`${outbox.payload}->>'noticeId' = ${noticeId}`));
  expect(row?.payload).toEqual({ noticeId });
  await fanOutNotice(h.ctx, { noticeId });
  await h.ctx.db.update(outbox).set({ dispatchedAt: sql`now()` }).where(eq(outbox.id, row!.id));
  return noticeId;
}

describe('POST /api/notices', () => {
  test('When a teacher publishes to a class they do not teach, then 403 and nothing is written', async () => {
    const { school, classes, teacher } = await schoolWithTeacher(h.ctx, 3);

    const res = await api.post('/api/notices', teacher.token, homework([classes[0]!.id, classes[2]!.id]));

    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'FORBIDDEN', message: '只能向自己任教的班级发布通知' });
    expect(await h.ctx.db.select().from(notices).where(eq(notices.schoolId, school.id))).toEqual([]);
  });

  test('When a school administrator publishes to another school, then 403; a family cannot publish at all', async () => {
    const { classes } = await schoolWithTeacher(h.ctx, 1);
    const other = await schoolWithTeacher(h.ctx, 1);
    const admin = await staffWithSession(h.ctx, 'school_admin', other.school.id);
    const parent = await staffWithSession(h.ctx, 'parent', null);

    expect((await api.post('/api/notices', admin.token, homework([classes[0]!.id]))).status).toBe(403);
    expect((await api.post('/api/notices', parent.token, homework([classes[0]!.id]))).status).toBe(403);
    expect((await api.post('/api/notices', admin.token, homework([other.classes[0]!.id]))).status).toBe(201);
  });

  test('When the notice is empty or oversized, then 400 with a Chinese message per field', async () => {
    const { classes, teacher } = await schoolWithTeacher(h.ctx, 1);

    const empty = await api.post('/api/notices', teacher.token, { type: '公告', title: '   ', body: '', classIds: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.error.fields).toEqual({
      'body.type': '请选择类型（通知或作业）',
      'body.title': '请填写标题',
      'body.body': '请填写内容',
      'body.classIds': '请至少选择一个班级',
    });

    const big = await api.post('/api/notices', teacher.token, homework([classes[0]!.id], { title: '题'.repeat(41), body: '字'.repeat(2001), dueDate: '2026-02-30' }));
    expect(big.status).toBe(400);
    expect(big.body.error.fields).toEqual({
      'body.title': '标题不能超过 40 个字',
      'body.body': '内容不能超过 2000 个字',
      'body.dueDate': '截止日期不是有效的日期',
    });

    const exact = await api.post('/api/notices', teacher.token, homework([classes[0]!.id], { title: '题'.repeat(40), body: '字'.repeat(2000) }));
    expect(exact.status).toBe(201);
  });

  test('GET /api/notices/classes lists the head-taught and taught classes only', async () => {
    const { classes, teacher } = await schoolWithTeacher(h.ctx, 3);
    const res = await api.get('/api/notices/classes', teacher.token);
    expect(res.status).toBe(200);
    expect(res.body.classes.map((c: { id: string }) => c.id).sort()).toEqual([classes[0]!.id, classes[1]!.id].sort());
  });
});

describe('families read and confirm; the author sees receipts and reminds', () => {
  let noticeId: string;
  let teacherToken: string;
  let families: BulkFamily[];
  let tokens: string[];

  beforeAll(async () => {
    const { school, classes, teacher } = await schoolWithTeacher(h.ctx, 2);
    teacherToken = teacher.token;
    families = await buildApprovedFamilies(h.ctx, { classIds: [classes[0]!.id, classes[1]!.id], schoolId: school.id, count: 4, subscribeTemplateId: h.ctx.config.WECHAT_SUBSCRIBE_NOTICE });
    // Not approved: never a recipient.
    await buildApprovedFamilies(h.ctx, { classIds: [classes[0]!.id], schoolId: school.id, count: 2, subscribeTemplateId: 'x', approved: false });
    tokens = await Promise.all(families.map((f) => sessionFor(h.ctx, f.accountId)));
    noticeId = await publish(teacherToken, homework([classes[0]!.id, classes[1]!.id]));
  });

  test('the fan-out wrote one recipient per approved student and one queued message per family', async () => {
    const recipients = await h.ctx.db.select().from(noticeRecipients).where(eq(noticeRecipients.noticeId, noticeId));
    expect(recipients.map((r) => r.studentId).sort()).toEqual(families.map((f) => f.studentId).sort());
    const rows = await h.ctx.db.select().from(notifications).where(sql`${notifications.data}->>'noticeId' = ${noticeId}`);
    expect(rows).toHaveLength(4);
    expect(rows.every((r) => r.kind === 'notice.published' && r.pagePath === `pages/notices/detail?id=${noticeId}`)).toBe(true);
    const [notice] = await h.ctx.db.select().from(notices).where(eq(notices.id, noticeId));
    expect(notice!.fanoutCompletedAt).not.toBeNull();
  });

  test('a family lists it per child, opens it (read, body as typed), confirms; receipts show it', async () => {
    const mine = await api.get('/api/notices/mine', tokens[0]!);
    expect(mine.status).toBe(200);
    expect(mine.body.items).toEqual([
      expect.objectContaining({ id: noticeId, type: '作业', title: '周末数学练习', dueDate: '2026-10-12', requiresConfirmation: true, students: [expect.objectContaining({ studentId: families[0]!.studentId })], readAt: null, confirmedAt: null }),
    ]);
    expect(mine.body.items[0].students[0].studentNameMasked).toBe(`${[...families[0]!.name][0]}${'*'.repeat([...families[0]!.name].length - 1)}`);
    expect(mine.body.items[0].authorName).toMatch(/^.老师$/);

    const detail = await api.get(`/api/notices/${noticeId}`, tokens[0]!);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ viewer: 'family', canConfirm: true, body: '完成练习册第 12–13 页。\n<script>alert(1)</script> 原样保存', counts: null });
    expect(detail.body.students[0].readAt).not.toBeNull();

    const confirmed = await api.post(`/api/notices/${noticeId}/confirm`, tokens[0]!);
    expect(confirmed.status).toBe(200);
    const again = await api.post(`/api/notices/${noticeId}/confirm`, tokens[0]!);
    expect(again.body.confirmedAt).toBe(confirmed.body.confirmedAt);

    // Family 1 only reads.
    expect((await api.get(`/api/notices/${noticeId}`, tokens[1]!)).status).toBe(200);

    const receipts = await api.get(`/api/notices/${noticeId}/receipts`, teacherToken);
    expect(receipts.status).toBe(200);
    expect(receipts.body.counts).toEqual({ total: 4, read: 1, confirmed: 1, unread: 2, opened: 2 });
    expect(receipts.body.confirmed.map((r: { studentId: string }) => r.studentId)).toEqual([families[0]!.studentId]);
    expect(receipts.body.read.map((r: { studentId: string }) => r.studentId)).toEqual([families[1]!.studentId]);
    expect(receipts.body.unread.map((r: { studentId: string }) => r.studentId).sort()).toEqual([families[2]!.studentId, families[3]!.studentId].sort());
    expect(receipts.body.unread[0]).toMatchObject({ studentNameMasked: expect.stringMatching(/^.\*+$/), guardianNameMasked: expect.stringMatching(/^.\*+$/), className: expect.stringMatching(/^四年级/) });
    expect(receipts.text).not.toContain(families[2]!.name);
    expect(receipts.body.complete).toBe(true);

    const authorView = await api.get(`/api/notices/${noticeId}`, teacherToken);
    expect(authorView.body).toMatchObject({ viewer: 'author', counts: { total: 4, read: 1, confirmed: 1, unread: 2, opened: 2 } });
    const sent = await api.get('/api/notices/sent', teacherToken);
    expect(sent.body.items[0]).toMatchObject({ id: noticeId, counts: { total: 4, unread: 2 } });
  });

  test('another family cannot see or confirm it (404); another teacher of the school gets 403 on receipts', async () => {
    const stranger = await staffWithSession(h.ctx, 'parent', null);
    expect((await api.get(`/api/notices/${noticeId}`, stranger.token)).status).toBe(404);
    expect((await api.post(`/api/notices/${noticeId}/confirm`, stranger.token)).status).toBe(404);
    const [notice] = await h.ctx.db.select().from(notices).where(eq(notices.id, noticeId));
    const colleague = await staffWithSession(h.ctx, 'teacher', notice!.schoolId);
    expect((await api.get(`/api/notices/${noticeId}/receipts`, colleague.token)).status).toBe(403);
    const outsider = await staffWithSession(h.ctx, 'teacher', null);
    expect((await api.get(`/api/notices/${noticeId}/receipts`, outsider.token)).status).toBe(404);
  });

  test('remind reaches the unread once; a second remind within the hour is 429 with Retry-After', async () => {
    const first = await api.post(`/api/notices/${noticeId}/remind`, teacherToken);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ unread: 2 });

    const second = await api.post(`/api/notices/${noticeId}/remind`, teacherToken);
    expect(second.status).toBe(429);
    expect(second.body.error).toMatchObject({ code: 'RATE_LIMITED', message: '每条通知每小时只能提醒一次，请稍后再试' });
    expect(Number(second.headers['retry-after'])).toBeGreaterThan(3500);

    const [row] = await h.ctx.db.select().from(outbox).where(and(eq(outbox.queue, 'notices-fanout'), sql`(${outbox.payload}->>'reminderId')::int = ${first.body.reminderId}`));
    await fanOutNotice(h.ctx, row!.payload as { noticeId: string; reminderId: number });
    await fanOutNotice(h.ctx, row!.payload as { noticeId: string; reminderId: number }); // a re-delivered job adds nobody
    const reminders = await h.ctx.db.select().from(notifications).where(and(eq(notifications.kind, 'notice.reminder'), sql`${notifications.data}->>'noticeId' = ${noticeId}`));
    expect(reminders.map((r) => r.accountId).sort()).toEqual([families[2]!.accountId, families[3]!.accountId].sort());

    // An hour later the author may remind again.
    await h.ctx.db.update(noticeReminders).set({ at: sql`now() - interval '61 minutes'` }).where(eq(noticeReminders.noticeId, noticeId));
    expect((await api.post(`/api/notices/${noticeId}/remind`, teacherToken)).status).toBe(202);
  });

  test('a notice that needs no confirmation answers 409 to confirm', async () => {
    const { school, classes, teacher } = await schoolWithTeacher(h.ctx, 1);
    const [family] = await buildApprovedFamilies(h.ctx, { classIds: [classes[0]!.id], schoolId: school.id, count: 1, subscribeTemplateId: 'x' });
    const id = await publish(teacher.token, { type: '通知', title: '家长会', body: '周五下午三点', classIds: [classes[0]!.id] });
    const res = await api.post(`/api/notices/${id}/confirm`, await sessionFor(h.ctx, family!.accountId));
    expect(res.status).toBe(409);
    expect(res.body.error.message).toBe('该通知无需家长确认');
  });

  test('a class taught through teacher_classes only is allowed', async () => {
    const { school, teacher } = await schoolWithTeacher(h.ctx, 1);
    const taught = await buildClass(h.ctx.db, { schoolId: school.id });
    await h.ctx.db.insert(teacherClasses).values({ teacherId: teacher.accountId, classId: taught.id });
    expect((await api.post('/api/notices', teacher.token, homework([taught.id]))).status).toBe(201);
  });
});
