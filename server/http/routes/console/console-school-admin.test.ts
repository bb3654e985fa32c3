/**
 * The console's school administration on the real PostgreSQL and Redis: the
 * teachers page (import by upload with the report before anything is written,
 * add one, disable, the activation SMS), a class's students and its XLSX
 * status list, the daily activity from the aggregates, and where waiting
 * reviews go when a class or a school has nobody to review them.
 */
import { and, eq, sql } from 'drizzle-orm';
import request from 'supertest';
import {
  ListClassStudentsResponseSchema,
  SchoolActivityResponseSchema,
  StrandedReviewsResponseSchema,
  TeacherImportResponseSchema,
} from '../../../../domain/api/console-school';
import { messageContent } from '../../../../domain/messaging/messages';
import { renderSms } from '../../../integrations/sms/render-sms';
import { accounts, auditLog, notifications, profileVersions, sessions, teacherClasses } from '../../../db/schema';
import { hashPassword } from '../../../security/passwords';
import { encryptPhone } from '../../../services/accounts/account-view';
import { createSession } from '../../../services/accounts/sessions';
import { recomputeClassStats } from '../../../services/console/console-stats';
import { matchProfileVersion } from '../../../services/registry-matching';
import { decideReview } from '../../../services/reviews/reviews';
import { randomTeacherResidentId, randomTeacherRow, teachersCsv, type TeacherFileRow } from '../../../services/teacher-import/teacher-file.fixtures';
import { buildAccount, buildClass, buildRegistryRecord, buildSchool, buildSubmittedVersion, registryRowFor, type BuiltSubmission } from '../../../test/factories';
import { createApp } from '../../app';
import { createHarness, GOOD_PASSWORD, randomPhone, randomUsername, type Harness } from '../auth/auth-test-support';

jest.setTimeout(90_000);

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});

afterAll(async () => {
  await h?.close();
});

const meta = { ip: '127.0.0.1', requestId: 'test', userAgent: null };

async function staffAccount(role: 'school_admin' | 'operator', schoolId: string | null) {
  const phone = randomPhone();
  const username = randomUsername('s');
  const account = await buildAccount(h.ctx.db, { role, schoolId, username, usernameKey: username, passwordHash: await hashPassword(GOOD_PASSWORD), ...encryptPhone(h.ctx, phone) });
  return { account, phone, username };
}

async function signIn(staff: { phone: string; username: string }): Promise<string> {
  const client = h.client();
  await h.allowResend(staff.phone);
  const step1 = await client.post('/api/console/auth/login', { login: staff.username, password: GOOD_PASSWORD });
  if (step1.status !== 200) throw new Error(`console login answered ${step1.status}: ${step1.text}`);
  const step2 = await client.post('/api/console/auth/verify', { challengeId: step1.body.challengeId, smsCode: await h.lastCode(staff.phone) });
  if (step2.status !== 200) throw new Error(`console verify answered ${step2.status}: ${step2.text}`);
  return step2.body.token as string;
}

function post(path: string, body: object, token: string) {
  return request(createApp(h.ctx).callback()).post(path).set('Authorization', `Bearer ${token}`).set('X-Forwarded-For', '10.9.0.1').send(body);
}

async function schoolWorld() {
  const school = await buildSchool(h.ctx.db);
  const admin = await staffAccount('school_admin', school.id);
  return { school, admin, token: await signIn(admin) };
}

const upload = (rows: readonly TeacherFileRow[], dryRun: boolean, fileName = '教师名单.csv') => ({
  fileName,
  contentBase64: Buffer.from(teachersCsv(rows), 'utf8').toString('base64'),
  dryRun,
});

async function teachersOf(schoolId: string) {
  return h.ctx.db.select().from(accounts).where(and(eq(accounts.schoolId, schoolId), eq(accounts.role, 'teacher')));
}

async function submitted(school: { id: string }, klass: { id: string }, how: 'approved' | 'pending'): Promise<BuiltSubmission> {
  const built = await buildSubmittedVersion(h.ctx, { school: school as never, klass: klass as never, withOutbox: false });
  await buildRegistryRecord(h.ctx, registryRowFor(built, how === 'pending' ? { name: `${built.name}某` } : {}));
  await matchProfileVersion(h.ctx, built.version.id);
  return built;
}

async function reviewerOf(versionId: string): Promise<string | null> {
  const [row] = await h.ctx.db.select({ r: profileVersions.assignedReviewerId }).from(profileVersions).where(eq(profileVersions.id, versionId));
  return row!.r;
}

describe('importing a teachers file from the console', () => {
  test('When the file has one bad row, then the report names that row and nothing at all is written; the corrected file then imports', async () => {
    const w = await schoolWorld();
    const school = { code: w.school.code, name: w.school.name };
    const good = randomTeacherRow(school, '三年级1班', '三年级1班');
    const bad = { ...randomTeacherRow(school, '三年级2班'), 手机号: '1380013' };

    const report = await post(`/api/console/schools/${w.school.id}/teachers/import`, upload([good, bad], true), w.token);
    expect(report.status).toBe(200);
    expect(TeacherImportResponseSchema.safeParse(report.body).error?.issues ?? []).toEqual([]);
    expect(report.body).toMatchObject({ ok: false, dataRows: 2, summary: null });
    expect(report.body.problems).toEqual([{ row: 3, column: '手机号', message: expect.stringContaining('手机号') }]);
    // Not even the good row, and no class, was written.
    expect(await teachersOf(w.school.id)).toHaveLength(0);

    // The real import of the same file refuses the same way.
    const refused = await post(`/api/console/schools/${w.school.id}/teachers/import`, upload([good, bad], false), w.token);
    expect(refused.body).toMatchObject({ ok: false, problems: [{ row: 3, column: '手机号' }] });
    expect(await teachersOf(w.school.id)).toHaveLength(0);

    const fixed = { ...bad, 手机号: randomPhone() };
    const dry = await post(`/api/console/schools/${w.school.id}/teachers/import`, upload([good, fixed], true), w.token);
    expect(dry.body).toMatchObject({ ok: true, dryRun: true, problems: [], summary: { teachersCreated: 2, classesCreated: 2 } });
    expect(await teachersOf(w.school.id)).toHaveLength(0);

    const done = await post(`/api/console/schools/${w.school.id}/teachers/import`, upload([good, fixed], false), w.token);
    expect(done.body).toMatchObject({ ok: true, dryRun: false, summary: { teachersCreated: 2, teachersUpdated: 0 } });
    const teachers = await teachersOf(w.school.id);
    expect(teachers.map((t) => t.status)).toEqual(['pending_activation', 'pending_activation']);
    // Audited with the school admin as the actor, without personal data.
    const audits = await h.ctx.db.select().from(auditLog).where(and(eq(auditLog.actorAccountId, w.admin.account.id), eq(auditLog.action, 'teacher.imported')));
    expect(audits).toHaveLength(2);
    const summary = await h.ctx.db.select().from(auditLog).where(and(eq(auditLog.actorAccountId, w.admin.account.id), eq(auditLog.action, 'console.teachers_imported')));
    expect(summary.map((a) => a.success)).toEqual([false, true]);
    expect(JSON.stringify([...audits, ...summary])).not.toContain(good.手机号);

    // The list shows them with their activation status.
    const list = await h.client().get(`/api/console/schools/${w.school.id}/teachers?status=pending_activation`, w.token);
    expect(list.body.total).toBe(2);
  });

  test('When a row names another school, then a school admin cannot import it (nor rename their own school)', async () => {
    const w = await schoolWorld();
    const other = await buildSchool(h.ctx.db);
    const rows = [
      randomTeacherRow({ code: other.code, name: other.name }, '一年级1班'),
      randomTeacherRow({ code: w.school.code, name: '改个名字小学' }, '一年级1班'),
    ];
    const res = await post(`/api/console/schools/${w.school.id}/teachers/import`, upload(rows, false), w.token);
    expect(res.body.ok).toBe(false);
    expect(res.body.problems.map((p: { row: number; column: string }) => [p.row, p.column])).toEqual([
      [2, '学校标识码'],
      [3, '学校名称'],
    ]);
    expect(await teachersOf(other.id)).toHaveLength(0);
    expect(await teachersOf(w.school.id)).toHaveLength(0);
  });

  test('When the upload is not a CSV or not base64, then 400 with the field', async () => {
    const w = await schoolWorld();
    const xls = await post(`/api/console/schools/${w.school.id}/teachers/import`, { fileName: 'a.exe', contentBase64: 'QUJD', dryRun: true }, w.token);
    expect(xls.status).toBe(400);
    expect(Object.keys(xls.body.error.fields)).toEqual(['body.fileName']);
    // Bytes that are no text at all: a report, never a 500.
    const binary = await post(`/api/console/schools/${w.school.id}/teachers/import`, { fileName: 'a.csv', contentBase64: Buffer.from([0xff, 0xfe, 0x00, 0x81, 0x82, 0x00, 0xc3, 0x28]).toString('base64'), dryRun: true }, w.token);
    expect(binary.status).toBe(200);
    expect(binary.body).toMatchObject({ ok: false, problems: [expect.objectContaining({ message: expect.any(String) })] });
    const junk = await post(`/api/console/schools/${w.school.id}/teachers/import`, { fileName: 'a.csv', contentBase64: '!!!', dryRun: true }, w.token);
    expect(Object.keys(junk.body.error.fields)).toEqual(['body.contentBase64']);
  });
});

describe('adding, disabling and inviting one teacher', () => {
  test('When a school admin adds a teacher, then the account waits for activation with the classes; the same phone again is refused on the field', async () => {
    const w = await schoolWorld();
    const phone = randomPhone();
    const body = { name: '李红梅', phone, residentId: randomTeacherResidentId(), classes: '四年级1班、四年级2班', headClass: '四年级1班' };
    const res = await post(`/api/console/schools/${w.school.id}/teachers`, body, w.token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ teacher: { displayName: '李红梅', status: 'pending_activation', phoneMasked: `${phone.slice(0, 3)}****${phone.slice(7)}` }, summary: { teachersCreated: 1, classesCreated: 2 } });
    expect(await h.ctx.db.select().from(teacherClasses).where(eq(teacherClasses.teacherId, res.body.teacher.id))).toHaveLength(2);

    const again = await post(`/api/console/schools/${w.school.id}/teachers`, { ...body, name: '李红' }, w.token);
    expect(again.status).toBe(400);
    expect(again.body.error.fields).toEqual({ 'body.phone': expect.stringContaining('已是本校教师') });
    const badId = await post(`/api/console/schools/${w.school.id}/teachers`, { ...body, phone: randomPhone(), residentId: '110101199001011234' }, w.token);
    expect(badId.status).toBe(400);
    expect(Object.keys(badId.body.error.fields)).toEqual(['body.residentId']);
  });

  test('When a head teacher is disabled, then their sessions end, the class is flagged and its waiting review goes to the school admin', async () => {
    const w = await schoolWorld();
    const head = await buildAccount(h.ctx.db, { role: 'teacher', schoolId: w.school.id });
    const klass = await buildClass(h.ctx.db, { schoolId: w.school.id, grade: 'P3', name: '1班', headTeacherId: head.id });
    const waiting = await submitted(w.school, klass, 'pending');
    expect(await reviewerOf(waiting.version.id)).toBe(head.id);
    const session = await createSession(h.ctx.db, h.ctx, { accountId: head.id, channel: 'h5', meta });

    const res = await post(`/api/console/schools/${w.school.id}/teachers/${head.id}/disable`, {}, w.token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ teacher: { id: head.id, status: 'disabled' }, movedReviews: 1 });
    expect(await reviewerOf(waiting.version.id)).toBe(w.admin.account.id);
    expect((await h.client().get('/api/reviews', session.token)).status).toBe(401);
    const [told] = await h.ctx.db.select().from(notifications).where(and(eq(notifications.accountId, w.admin.account.id), eq(notifications.kind, 'review.waiting')));
    expect(told).toBeDefined();
    const classes = await h.client().get(`/api/console/schools/${w.school.id}/classes?headTeacher=missing`, w.token);
    expect(classes.body.items.map((c: { id: string }) => c.id)).toEqual([klass.id]);
    const live = await h.ctx.db.select().from(sessions).where(and(eq(sessions.accountId, head.id), sql`${sessions.revokedAt} is null`));
    expect(live).toHaveLength(0);
  });

  test('When the activation SMS is sent again, then one SMS is queued for the pending teacher, a second within minutes is refused, and an active teacher gets none', async () => {
    const w = await schoolWorld();
    const phone = randomPhone();
    const pending = await buildAccount(h.ctx.db, { role: 'teacher', schoolId: w.school.id, status: 'pending_activation', username: null, usernameKey: null, ...encryptPhone(h.ctx, phone) });
    const active = await buildAccount(h.ctx.db, { role: 'teacher', schoolId: w.school.id, ...encryptPhone(h.ctx, randomPhone()) });

    const sent = await post(`/api/console/schools/${w.school.id}/teachers/${pending.id}/activation-sms`, {}, w.token);
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ phoneMasked: `${phone.slice(0, 3)}****${phone.slice(7)}` });
    const rows = await h.ctx.db.select().from(notifications).where(and(eq(notifications.accountId, pending.id), eq(notifications.kind, 'staff.invitation')));
    expect(rows).toHaveLength(1);
    const content = messageContent('staff.invitation', rows[0]!.data as Record<string, unknown>, new Date());
    expect(content?.route).toEqual(['sms']);
    expect(renderSms({ ...content!.sms, phone } as never)).toContain(`${w.school.name.slice(0, 19)}`);

    const again = await post(`/api/console/schools/${w.school.id}/teachers/${pending.id}/activation-sms`, {}, w.token);
    expect(again.status).toBe(429);
    const activeAnswer = await post(`/api/console/schools/${w.school.id}/teachers/${active.id}/activation-sms`, {}, w.token);
    expect(activeAnswer.status).toBe(409);
  });
});

describe('reviews of a class nobody heads', () => {
  test('When a school has no school admin, then an orphan class\'s review waits with nobody, operators see it listed, and the first admin to activate receives it', async () => {
    const school = await buildSchool(h.ctx.db);
    const orphan = await buildClass(h.ctx.db, { schoolId: school.id, grade: 'P2', name: '3班', headTeacherId: null });
    const waiting = await submitted(school, orphan, 'pending');
    expect(await reviewerOf(waiting.version.id)).toBeNull();

    const operator = await staffAccount('operator', null);
    const operatorToken = await signIn(operator);
    const list = await h.client().get('/api/console/stranded-reviews', operatorToken);
    expect(list.status).toBe(200);
    expect(StrandedReviewsResponseSchema.safeParse(list.body).error?.issues ?? []).toEqual([]);
    expect(list.body.items.find((i: { schoolId: string }) => i.schoolId === school.id)).toMatchObject({ waiting: 1, activeAdmins: 0, schoolName: school.name });
    // A school admin does not see the centre's list.
    const admin = await schoolWorld();
    expect((await h.client().get('/api/console/stranded-reviews', admin.token)).status).toBe(403);

    // The centre creates the school's admin; at activation the waiting review comes to them.
    const adminPhone = randomPhone();
    const pendingAdmin = await buildAccount(h.ctx.db, { role: 'school_admin', schoolId: school.id, status: 'pending_activation', username: null, usernameKey: null, ...encryptPhone(h.ctx, adminPhone) });
    const code = await h.code(adminPhone, 'activate_teacher');
    const activated = await h.client().post('/api/auth/teacher-activation', { phone: adminPhone, smsCode: code, username: randomUsername('sa'), password: GOOD_PASSWORD });
    expect(activated.status).toBe(200);
    expect(await reviewerOf(waiting.version.id)).toBe(pendingAdmin.id);
    const after = await h.client().get('/api/console/stranded-reviews', operatorToken);
    expect(after.body.items.find((i: { schoolId: string }) => i.schoolId === school.id)).toBeUndefined();
  });

  test('When a review waits with the school admin or with nobody, then the family is not told it waits for the head teacher', async () => {
    const w = await schoolWorld();
    const head = await buildAccount(h.ctx.db, { role: 'teacher', schoolId: w.school.id });
    const headed = await buildClass(h.ctx.db, { schoolId: w.school.id, grade: 'P3', name: '7班', headTeacherId: head.id });
    const orphan = await buildClass(h.ctx.db, { schoolId: w.school.id, grade: 'P3', name: '8班', headTeacherId: null });
    const lonelySchool = await buildSchool(h.ctx.db);
    const lonely = await buildClass(h.ctx.db, { schoolId: lonelySchool.id, grade: 'P3', name: '9班', headTeacherId: null });
    const labels: Record<string, unknown> = {};
    for (const [key, school, klass] of [['head', w.school, headed], ['admin', w.school, orphan], ['nobody', lonelySchool, lonely]] as const) {
      const built = await submitted(school, klass, 'pending');
      const family = await createSession(h.ctx.db, h.ctx, { accountId: built.student.familyAccountId, channel: 'h5', meta });
      const detail = await h.client().get(`/api/students/${built.student.id}`, family.token);
      const list = await h.client().get('/api/students', family.token);
      labels[key] = [detail.body.statusLabel, detail.body.latest.statusLabel, detail.body.timeline.at(-1).label, list.body.items[0].statusLabel];
    }
    expect(labels).toEqual({
      head: ['待班主任审核', '待班主任审核', '待班主任审核', '待班主任审核'],
      admin: ['待学校审核', '待学校审核', '待学校审核', '待学校审核'],
      nobody: ['待学校审核', '待学校审核', '待学校审核', '待学校审核'],
    });
  });

  test('When the head teacher named by the import activates, then the reviews that waited with the school admin move to them', async () => {
    const w = await schoolWorld();
    const phone = randomPhone();
    const head = await buildAccount(h.ctx.db, { role: 'teacher', schoolId: w.school.id, status: 'pending_activation', username: null, usernameKey: null, ...encryptPhone(h.ctx, phone) });
    const klass = await buildClass(h.ctx.db, { schoolId: w.school.id, grade: 'P3', name: '2班', headTeacherId: head.id });
    const waiting = await submitted(w.school, klass, 'pending');
    expect(await reviewerOf(waiting.version.id)).toBe(w.admin.account.id);

    const code = await h.code(phone, 'activate_teacher');
    const activated = await h.client().post('/api/auth/teacher-activation', { phone, smsCode: code, username: randomUsername('ht'), password: GOOD_PASSWORD });
    expect(activated.status).toBe(200);
    expect(await reviewerOf(waiting.version.id)).toBe(head.id);
    const [told] = await h.ctx.db.select().from(notifications).where(and(eq(notifications.accountId, head.id), eq(notifications.kind, 'review.waiting')));
    expect(told?.data).toMatchObject({ versionId: waiting.version.id, outcome: 'reassigned' });
  });

  test('When a teachers file makes an active teacher head of an orphan class, then its waiting review moves to them', async () => {
    const w = await schoolWorld();
    const orphan = await buildClass(h.ctx.db, { schoolId: w.school.id, grade: 'P5', name: '1班', headTeacherId: null });
    const waiting = await submitted(w.school, orphan, 'pending');
    expect(await reviewerOf(waiting.version.id)).toBe(w.admin.account.id);
    // An active teacher of the school (already signed up), made head teacher of the class by a teachers file.
    const row = randomTeacherRow({ code: w.school.code, name: w.school.name }, '五年级1班', '五年级1班');
    const teacher = await buildAccount(h.ctx.db, {
      role: 'teacher',
      schoolId: w.school.id,
      displayName: row.姓名,
      ...encryptPhone(h.ctx, row.手机号),
      residentIdIndex: h.ctx.pii.blindIndex('resident_id', row.身份证号),
    });
    const res = await post(`/api/console/schools/${w.school.id}/teachers/import`, upload([row], false), w.token);
    expect(res.body).toMatchObject({ ok: true, summary: { teachersCreated: 0, teachersUpdated: 1 } });
    expect(await reviewerOf(waiting.version.id)).toBe(teacher.id);
  });
});

describe("a class's students, its XLSX list and the school's activity", () => {
  test('When a school admin exports a class, then the XLSX lists every student masked, and the export is audited', async () => {
    const w = await schoolWorld();
    const klass = await buildClass(h.ctx.db, { schoolId: w.school.id, grade: 'P4', name: '6班' });
    const approved = await submitted(w.school, klass, 'approved');
    const pending = await submitted(w.school, klass, 'pending');

    const list = await h.client().get(`/api/console/schools/${w.school.id}/classes/${klass.id}/students`, w.token);
    expect(list.status).toBe(200);
    expect(ListClassStudentsResponseSchema.safeParse(list.body).error?.issues ?? []).toEqual([]);
    expect(list.body.total).toBe(2);
    const byId = new Map(list.body.items.map((s: { studentId: string }) => [s.studentId, s]));
    expect(byId.get(approved.student.id)).toMatchObject({ status: 'approved', cardState: 'valid', cardNumber: expect.stringMatching(/^JY/), waitingVersionId: null });
    expect(byId.get(pending.student.id)).toMatchObject({ status: 'pending_review', cardState: 'none', waitingVersionId: pending.version.id });
    expect(JSON.stringify(list.body)).not.toContain(approved.name);
    const filtered = await h.client().get(`/api/console/schools/${w.school.id}/classes/${klass.id}/students?status=pending_review`, w.token);
    expect(filtered.body.items.map((s: { studentId: string }) => s.studentId)).toEqual([pending.student.id]);

    const res = await request(createApp(h.ctx).callback())
      .get(`/api/console/schools/${w.school.id}/classes/${klass.id}/export.xlsx`)
      .set('Authorization', `Bearer ${w.token}`)
      .buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    expect(decodeURIComponent(res.headers['content-disposition']!)).toContain('四年级6班-认证状态-');
    const { default: excel } = await import('exceljs');
    const book = new excel.Workbook();
    await book.xlsx.load(res.body as never);
    const sheet = book.worksheets[0]!;
    const text = JSON.stringify(sheet.getSheetValues());
    expect(text).toContain('已认证');
    // The class has no head teacher: its waiting student is with the school.
    expect(text).toContain('待学校审核');
    expect(text).not.toContain(approved.name);
    expect(text).not.toContain(approved.residentId);
    expect(text).toContain(`${approved.residentId.slice(0, 4)}`);
    const [audit] = await h.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'console.class_exported'), eq(auditLog.subjectId, klass.id)));
    expect(audit).toMatchObject({ actorAccountId: w.admin.account.id, detail: { rows: 2, masked: true } });

    // Another school's admin: 404, nothing exported.
    const stranger = await schoolWorld();
    expect((await h.client().get(`/api/console/schools/${w.school.id}/classes/${klass.id}/students`, stranger.token)).status).toBe(404);
  });

  test('When submissions are decided, then the activity chart reads them per day from the aggregates, with the time a person took', async () => {
    const w = await schoolWorld();
    const klass = await buildClass(h.ctx.db, { schoolId: w.school.id, grade: 'P1', name: '1班' });
    await submitted(w.school, klass, 'approved');
    const a = await submitted(w.school, klass, 'pending');
    const b = await submitted(w.school, klass, 'pending');
    const reviewer = { id: w.admin.account.id, role: 'school_admin' as const, schoolId: w.school.id };
    await decideReview(h.ctx, reviewer, a.version.id, { type: 'approve' }, meta);
    await decideReview(h.ctx, reviewer, b.version.id, { type: 'return', reason: '姓名与学籍不一致' }, meta);

    // Before the worker ran, nothing is counted (requests never count the tables).
    const before = await h.client().get(`/api/console/schools/${w.school.id}/activity?days=7`, w.token);
    expect(before.body.days.reduce((n: number, d: { submitted: number }) => n + d.submitted, 0)).toBe(0);
    await recomputeClassStats(h.ctx, [klass.id]);

    const res = await h.client().get(`/api/console/schools/${w.school.id}/activity?days=7`, w.token);
    expect(res.status).toBe(200);
    expect(SchoolActivityResponseSchema.safeParse(res.body).error?.issues ?? []).toEqual([]);
    expect(res.body.days).toHaveLength(7);
    const today = res.body.days.at(-1);
    expect(today).toMatchObject({ submitted: 3, autoApproved: 1, approved: 1, returned: 1 });
    expect(res.body.decisionTime.map((d: { bucket: string; count: number }) => [d.bucket, d.count])).toEqual([
      ['lt1h', 2],
      ['lt1d', 0],
      ['lt3d', 0],
      ['lt7d', 0],
      ['ge7d', 0],
    ]);
    const bad = await h.client().get(`/api/console/schools/${w.school.id}/activity?days=9`, w.token);
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields)).toEqual(['query.days']);
  });
});
