/**
 * Notices follow "has a valid card" (server/services/ecard/card-holders.ts), through
 * the real submit → registry match → teacher review flow: a family approved
 * after a notice was published still gets it while it is live; a key-field
 * change pending or returned keeps the notices, receipts and reminders; the
 * receipt counts add up; a family with two children sees a notice once.
 */
import { and, eq, sql } from 'drizzle-orm';
import { formatCalendarDate, addDays, chinaDate } from '../../../../domain/time/calendar-date';
import { noticeRecipients, notifications, outbox, students } from '../../../db/schema';
import { fanOutNotice } from '../../../services/notices/fanout';
import { buildClass, type Class, type School } from '../../../test/factories';
import { createProfileHarness, registryFor, submissionBody, type ProfileHarness } from '../students/profile-test-support';

jest.setTimeout(30_000);

let h: ProfileHarness;

beforeAll(async () => {
  h = await createProfileHarness();
});

afterAll(async () => {
  await h.close();
});

const day = (offset: number) => formatCalendarDate(addDays(chinaDate(new Date()), offset));

/** Publish through the API and run its fan-out inline (what the notices-fanout worker does). */
async function publish(token: string, classIds: string[], extra: object = {}): Promise<string> {
  const res = await h.api.post('/api/notices', token, { type: '作业', title: '周末练习', body: '练习册第 3 页', classIds, dueDate: day(1), requiresConfirmation: true, ...extra });
  expect(res.status).toBe(201);
  await fanOutNotice(h.ctx, { noticeId: res.body.id });
  await h.ctx.db.update(outbox).set({ dispatchedAt: sql`now()` }).where(sql`${outbox.payload}->>'noticeId' = ${res.body.id}`);
  return res.body.id as string;
}

/** A family with a student approved by the registry match in `klass`. */
async function approvedFamily(school: School, klass: Class) {
  const family = await h.family();
  const created = await h.api.post('/api/students', family.token);
  const studentId = created.body.id as string;
  const body = submissionBody({ school, klass });
  await registryFor(h, body, school, klass, { guardianPhones: [family.phone] });
  const res = await h.api.post(`/api/students/${studentId}/submissions`, family.token, body);
  expect(res.status).toBe(201);
  expect((await h.relayAndMatch(res.body.versionId)).status).toBe('approved');
  return { family, studentId, body, versionId: res.body.versionId as string };
}

const mineIds = async (token: string) => ((await h.api.get('/api/notices/mine', token)).body.items as { id: string }[]).map((i) => i.id);

test('When a family is approved after a notice was published, then it gets the notices still live (not the expired ones)', async () => {
  const { school, klass, teacher } = await h.schoolWithClass();
  const live = await publish(teacher.token, [klass.id]);
  const noDueDate = await publish(teacher.token, [klass.id], { type: '通知', dueDate: null, requiresConfirmation: false });
  const expired = await publish(teacher.token, [klass.id], { dueDate: day(-1) });

  const s = await approvedFamily(school, klass);

  expect((await mineIds(s.family.token)).sort()).toEqual([live, noDueDate].sort());
  expect(await mineIds(s.family.token)).not.toContain(expired);
  const receipts = await h.api.get(`/api/notices/${live}/receipts`, teacher.token);
  expect(receipts.body.counts).toMatchObject({ total: 1, unread: 1 });
  const messages = await h.ctx.db
    .select()
    .from(notifications)
    .where(and(eq(notifications.accountId, s.family.accountId), eq(notifications.kind, 'notice.published')));
  expect(messages.map((m) => (m.data as { noticeId: string }).noticeId).sort()).toEqual([live, noDueDate].sort());
  expect((await h.api.get(`/api/notices/${live}`, s.family.token)).status).toBe(200);
  expect((await h.api.get(`/api/notices/${expired}`, s.family.token)).status).toBe(404);
});

test('When an approved family has a key change pending, then returned, then approved into a new class, it keeps its notices throughout', async () => {
  const { school, klass, teacher } = await h.schoolWithClass();
  const s = await approvedFamily(school, klass);
  const before = await publish(teacher.token, [klass.id]);

  // A class change the registry does not confirm: waiting for the head teacher.
  const otherClass = await buildClass(h.ctx.db, { schoolId: school.id, grade: klass.grade, headTeacherId: teacher.accountId });
  const change = await h.api.post(`/api/students/${s.studentId}/submissions`, s.family.token, { ...s.body, school: { ...s.body.school, classId: otherClass.id } });
  expect(change.status).toBe(201);
  await h.relayAndMatch(change.body.versionId);
  const during = await publish(teacher.token, [klass.id]);
  const newClassNotice = await publish(teacher.token, [otherClass.id]);

  const listed = await h.api.get('/api/students', s.family.token);
  expect(listed.body.items[0]).toMatchObject({ status: 'pending_review', hasValidCard: true, card: { valid: true } });
  expect((await mineIds(s.family.token)).sort()).toEqual([before, during].sort());
  expect((await h.api.get(`/api/notices/${during}`, s.family.token)).status).toBe(200);

  const returned = await h.api.post(`/api/reviews/${change.body.versionId}/return`, teacher.token, { reasonPreset: '年级或班级填写错误' });
  expect(returned.status).toBe(200);
  const afterReturn = await publish(teacher.token, [klass.id]);
  expect((await h.api.get('/api/students', s.family.token)).body.items[0]).toMatchObject({ status: 'returned', hasValidCard: true });
  expect(await mineIds(s.family.token)).toContain(afterReturn);
  expect((await h.api.post(`/api/notices/${afterReturn}/confirm`, s.family.token)).status).toBe(200);

  // Approved into the other class: that class's live notice reaches the family too.
  const again = await h.api.post(`/api/students/${s.studentId}/submissions`, s.family.token, { ...s.body, school: { ...s.body.school, classId: otherClass.id } });
  expect(again.status).toBe(201);
  await h.relayAndMatch(again.body.versionId);
  expect((await h.api.post(`/api/reviews/${again.body.versionId}/approve`, teacher.token)).status).toBe(200);
  expect(await mineIds(s.family.token)).toContain(newClassNotice);

  // A revoked card ends it: no more notices, not counted, not reminded.
  await h.ctx.db.update(students).set({ cardRevokedAt: new Date() }).where(eq(students.id, s.studentId));
  expect(await mineIds(s.family.token)).toEqual([]);
  expect((await h.api.get(`/api/notices/${before}/receipts`, teacher.token)).body.counts).toMatchObject({ total: 0 });
});

test('When families read and confirm, then the receipt counts add up to 应读 and each tab lists its count', async () => {
  const { school, klass, teacher } = await h.schoolWithClass();
  const a = await approvedFamily(school, klass);
  const b = await approvedFamily(school, klass);
  const c = await approvedFamily(school, klass);
  const noticeId = await publish(teacher.token, [klass.id]);

  expect((await h.api.post(`/api/notices/${noticeId}/confirm`, a.family.token)).status).toBe(200);
  expect((await h.api.get(`/api/notices/${noticeId}`, b.family.token)).status).toBe(200);

  const receipts = await h.api.get(`/api/notices/${noticeId}/receipts`, teacher.token);
  const { counts } = receipts.body;
  expect(counts).toEqual({ total: 3, confirmed: 1, read: 1, unread: 1, opened: 2 });
  expect(counts.confirmed + counts.read + counts.unread).toBe(counts.total);
  expect(receipts.body.confirmed.map((r: { studentId: string }) => r.studentId)).toEqual([a.studentId]);
  expect(receipts.body.read.map((r: { studentId: string }) => r.studentId)).toEqual([b.studentId]);
  expect(receipts.body.unread.map((r: { studentId: string }) => r.studentId)).toEqual([c.studentId]);
  const sent = await h.api.get('/api/notices/sent', teacher.token);
  expect(sent.body.items.find((i: { id: string }) => i.id === noticeId).counts).toEqual(counts);
});

test('When a family has two children in the class, then the notice is listed once, naming both', async () => {
  const { school, klass, teacher } = await h.schoolWithClass();
  const first = await approvedFamily(school, klass);
  const second = await approvedFamily(school, klass);
  // The second child moves under the first family's account.
  await h.ctx.db.update(students).set({ familyAccountId: first.family.accountId }).where(eq(students.id, second.studentId));
  const noticeId = await publish(teacher.token, [klass.id]);
  expect(await h.ctx.db.select().from(noticeRecipients).where(eq(noticeRecipients.noticeId, noticeId))).toHaveLength(2);

  const mine = await h.api.get('/api/notices/mine', first.family.token);
  expect(mine.body.total).toBe(1);
  expect(mine.body.items).toHaveLength(1);
  expect(mine.body.items[0].students.map((s: { studentId: string }) => s.studentId).sort()).toEqual([first.studentId, second.studentId].sort());
  expect(mine.body.items[0].readAt).toBeNull();
  const one = await h.api.get(`/api/notices/mine?studentId=${second.studentId}`, first.family.token);
  expect(one.body.items.map((i: { id: string }) => i.id)).toEqual([noticeId]);

  await h.api.get(`/api/notices/${noticeId}`, first.family.token);
  expect((await h.api.get('/api/notices/mine', first.family.token)).body.items[0].readAt).not.toBeNull();
});
