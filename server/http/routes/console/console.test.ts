/**
 * The console API on the real PostgreSQL and Redis: sign-in with the SMS
 * second factor, short console sessions, the forced password change, the
 * school funnel from the aggregates, the classes page and the head-teacher
 * assignment (the class's waiting reviews move to the new head teacher, who
 * is told), and the scope (a school admin: own school only).
 */
import { and, eq, sql } from 'drizzle-orm';
import {
  AssignHeadTeacherResponseSchema,
  ConsoleMeResponseSchema,
  ConsoleSessionResponseSchema,
  ListConsoleClassesResponseSchema,
  ListConsoleSchoolsResponseSchema,
  ListConsoleTeachersResponseSchema,
  SchoolFunnelResponseSchema,
} from '../../../../domain/api/console';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { accounts, auditLog, consoleClassStats, notifications, outbox, profileVersions, sessions, students } from '../../../db/schema';
import { rowsOf } from '../../../db/client';
import { hashPassword } from '../../../security/passwords';
import { encryptPhone } from '../../../services/accounts/account-view';
import { createSession } from '../../../services/accounts/sessions';
import { recomputeClassStats } from '../../../services/console/console-stats';
import { matchProfileVersion } from '../../../services/registry-matching';
import { buildAccount, buildClass, buildRegistryRecord, buildSchool, buildSubmittedVersion, registryRowFor, type BuiltSubmission } from '../../../test/factories';
import { createApp } from '../../app';
import { createHarness, GOOD_PASSWORD, randomPhone, randomUsername, type Harness } from '../auth/auth-test-support';

jest.setTimeout(60_000);

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});

afterAll(async () => {
  await h?.close();
});

async function staffAccount(role: 'school_admin' | 'operator' | 'teacher' | 'parent', schoolId: string | null, extra: Partial<typeof accounts.$inferInsert> = {}) {
  const phone = randomPhone();
  const username = randomUsername('c');
  const account = await buildAccount(h.ctx.db, {
    role,
    schoolId,
    username,
    usernameKey: username,
    passwordHash: await hashPassword(GOOD_PASSWORD),
    ...encryptPhone(h.ctx, phone),
    ...extra,
  });
  return { account, phone, username };
}

async function signIn(staff: { phone: string; username: string }): Promise<string> {
  const client = h.client();
  await h.allowResend(staff.phone);
  const step1 = await client.post('/api/console/auth/login', { login: staff.username, password: GOOD_PASSWORD });
  if (step1.status !== 200) throw new Error(`console login answered ${step1.status}: ${step1.text}`);
  const code = await h.lastCode(staff.phone);
  const step2 = await client.post('/api/console/auth/verify', { challengeId: step1.body.challengeId, smsCode: code });
  if (step2.status !== 200) throw new Error(`console verify answered ${step2.status}: ${step2.text}`);
  return step2.body.token as string;
}

describe('console sign-in with the SMS second factor', () => {
  test('When a school admin gives the password and then the SMS code of the bound phone, then a short console session opens', async () => {
    const school = await buildSchool(h.ctx.db);
    const admin = await staffAccount('school_admin', school.id);
    const client = h.client();

    const step1 = await client.post('/api/console/auth/login', { login: admin.username, password: GOOD_PASSWORD });
    expect(step1.status).toBe(200);
    expect(step1.body).toEqual({ challengeId: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), phoneMasked: `${admin.phone.slice(0, 3)}****${admin.phone.slice(7)}`, expiresIn: 300 });
    expect(step1.headers['cache-control']).toBe('no-store');
    // The password alone opens nothing: no session row yet.
    expect(await h.ctx.db.select().from(sessions).where(eq(sessions.accountId, admin.account.id))).toHaveLength(0);

    const code = await h.lastCode(admin.phone);
    const before = Date.now();
    const step2 = await client.post('/api/console/auth/verify', { challengeId: step1.body.challengeId, smsCode: code });
    expect(step2.status).toBe(200);
    expect(step2.body).toMatchObject({ token: expect.any(String), idleTimeoutSeconds: 1800, passwordChangeRequired: false, account: { id: admin.account.id, role: 'school_admin' } });
    const [row] = await h.ctx.db.select().from(sessions).where(eq(sessions.accountId, admin.account.id));
    expect(row!.channel).toBe('console');
    // Idles out after 30 minutes (not the apps' 7 days).
    expect(row!.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 30 * 60_000 - 1000);
    expect(row!.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 30 * 60_000 + 1000);

    expect(ConsoleSessionResponseSchema.safeParse(step2.body).error?.issues ?? []).toEqual([]);
    const me = await client.get('/api/console/me', step2.body.token);
    expect(me.status).toBe(200);
    expect(ConsoleMeResponseSchema.safeParse(me.body).error?.issues ?? []).toEqual([]);
    expect(me.body).toMatchObject({ account: { id: admin.account.id }, school: { id: school.id, name: school.name }, passwordChangeRequired: false });

    // The code is single use.
    const again = await client.post('/api/console/auth/verify', { challengeId: step1.body.challengeId, smsCode: code });
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('CONSOLE_CHALLENGE_INVALID');
    const audit = await h.ctx.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.actorAccountId, admin.account.id)).orderBy(auditLog.id);
    expect(audit.map((a) => a.action)).toEqual(['console.password_accepted', 'console.login']);
  });

  test('When the SMS code is wrong, then 400 SMS_CODE_INVALID, and after five wrong codes the challenge is dead even for the right one', async () => {
    const admin = await staffAccount('operator', null);
    const client = h.client();
    const step1 = await client.post('/api/console/auth/login', { login: admin.phone, password: GOOD_PASSWORD });
    expect(step1.status).toBe(200);
    const code = await h.lastCode(admin.phone);
    const wrong = code === '000000' ? '111111' : '000000';
    const answers: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const res = await client.post('/api/console/auth/verify', { challengeId: step1.body.challengeId, smsCode: wrong });
      answers.push(`${res.status}:${res.body.error.code}`);
    }
    expect(answers).toEqual(Array(5).fill('400:SMS_CODE_INVALID'));
    const right = await client.post('/api/console/auth/verify', { challengeId: step1.body.challengeId, smsCode: code });
    expect(`${right.status}:${right.body.error?.code}`).toBe('400:CONSOLE_CHALLENGE_INVALID');
    expect(await h.ctx.db.select().from(sessions).where(eq(sessions.accountId, admin.account.id))).toHaveLength(0);
  });

  test('When the password is wrong, then 401 INVALID_CREDENTIALS and no code is sent', async () => {
    const admin = await staffAccount('school_admin', (await buildSchool(h.ctx.db)).id);
    const res = await h.client().post('/api/console/auth/login', { login: admin.username, password: 'Wrong-river-42' });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('INVALID_CREDENTIALS');
    await expect(h.lastCode(admin.phone)).rejects.toThrow(/no SMS/);
  });

  test('When the login holds a NUL or another control character, then 400 on the field, never a 500', async () => {
    for (const login of ['abc\u0000def', '\u0000', 'adm\u0007in', '\ud800', 'x\udfff\ud800']) {
      const res = await h.client().post('/api/console/auth/login', { login, password: GOOD_PASSWORD });
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.error.fields)).toEqual(['body.login']);
    }
  });

  test('When a teacher or a parent gives the right password, then 403 CONSOLE_ROLE_REQUIRED and no code is sent', async () => {
    const school = await buildSchool(h.ctx.db);
    for (const role of ['teacher', 'parent'] as const) {
      const person = await staffAccount(role, role === 'teacher' ? school.id : null);
      const res = await h.client().post('/api/console/auth/login', { login: person.username, password: GOOD_PASSWORD });
      expect(`${res.status}:${res.body.error.code}`).toBe('403:CONSOLE_ROLE_REQUIRED');
      await expect(h.lastCode(person.phone)).rejects.toThrow(/no SMS/);
    }
  });

  test('When a console session sits idle past its timeout, or reaches its absolute limit, then it ends', async () => {
    const admin = await staffAccount('operator', null);
    const token = await signIn(admin);
    expect((await h.client().get('/api/console/me', token)).status).toBe(200);
    const [row] = await h.ctx.db.select().from(sessions).where(eq(sessions.accountId, admin.account.id));

    // Signed in 7 h 58 min ago and last used 5 minutes ago: the next use moves the idle expiry, but never past 8 h.
    const now = Date.now();
    await h.ctx.db
      .update(sessions)
      .set({ createdAt: new Date(now - (8 * 60 - 2) * 60_000), lastSeenAt: new Date(now - 5 * 60_000) })
      .where(eq(sessions.id, row!.id));
    expect((await h.client().get('/api/console/me', token)).status).toBe(200);
    const [moved] = await h.ctx.db.select().from(sessions).where(eq(sessions.id, row!.id));
    expect(moved!.expiresAt.getTime()).toBeLessThanOrEqual(now + 2 * 60_000 + 1000);

    // 31 minutes without a request: expired.
    await h.ctx.db.update(sessions).set({ lastSeenAt: new Date(now - 31 * 60_000), expiresAt: new Date(now - 60_000) }).where(eq(sessions.id, row!.id));
    const expired = await h.client().get('/api/console/me', token);
    expect(`${expired.status}:${expired.body.error.code}`).toBe('401:SESSION_EXPIRED');
  });

  test('When the password was generated, then nothing but me, logout and the password change is allowed until it is changed', async () => {
    const operator = await staffAccount('operator', null, { passwordChangeRequired: true });
    const token = await signIn(operator);
    const other = await createSession(h.ctx.db, h.ctx, { accountId: operator.account.id, channel: 'console', meta: { ip: '127.0.0.1', requestId: 't', userAgent: null } });

    const me = await h.client().get('/api/console/me', token);
    expect(me.body.passwordChangeRequired).toBe(true);
    const refused = await h.client().get('/api/console/schools', token);
    expect(`${refused.status}:${refused.body.error.code}`).toBe('403:PASSWORD_CHANGE_REQUIRED');
    const same = await h.client().post('/api/console/auth/password', { currentPassword: GOOD_PASSWORD, newPassword: GOOD_PASSWORD }, token);
    expect(same.status).toBe(400);

    const changed = await h.client().post('/api/console/auth/password', { currentPassword: GOOD_PASSWORD, newPassword: 'Green-hill-97' }, token);
    expect(changed.status).toBe(200);
    expect(changed.body.passwordChangeRequired).toBe(false);
    expect((await h.client().get('/api/console/schools', token)).status).toBe(200);
    // Every other session of the account is revoked; this one goes on.
    expect((await h.client().get('/api/console/me', other.token)).status).toBe(401);
    const [account] = await h.ctx.db.select().from(accounts).where(eq(accounts.id, operator.account.id));
    expect(account!.passwordChangeRequired).toBe(false);
  });

  test('When a console session signs out, then its token stops working', async () => {
    const operator = await staffAccount('operator', null);
    const token = await signIn(operator);
    expect((await h.client().post('/api/console/auth/logout', {}, token)).status).toBe(200);
    expect((await h.client().get('/api/console/me', token)).status).toBe(401);
  });
});

// ------------------------------------------------------------------ the school's funnel and classes

interface SchoolWorld {
  school: Awaited<ReturnType<typeof buildSchool>>;
  admin: Awaited<ReturnType<typeof staffAccount>>;
  token: string;
  teacher: Awaited<ReturnType<typeof buildAccount>>;
  headed: Awaited<ReturnType<typeof buildClass>>;
  orphan: Awaited<ReturnType<typeof buildClass>>;
}

async function schoolWorld(): Promise<SchoolWorld> {
  const school = await buildSchool(h.ctx.db);
  const admin = await staffAccount('school_admin', school.id);
  const head = await buildAccount(h.ctx.db, { role: 'teacher', schoolId: school.id });
  const teacher = await buildAccount(h.ctx.db, { role: 'teacher', schoolId: school.id, displayName: '王老师' });
  const headed = await buildClass(h.ctx.db, { schoolId: school.id, grade: 'P3', name: '1班', headTeacherId: head.id });
  const orphan = await buildClass(h.ctx.db, { schoolId: school.id, grade: 'P4', name: '2班', headTeacherId: null });
  return { school, admin, token: await signIn(admin), teacher, headed, orphan };
}

async function submitted(w: SchoolWorld, klass: SchoolWorld['headed']): Promise<BuiltSubmission> {
  return buildSubmittedVersion(h.ctx, { school: w.school, klass, withOutbox: false });
}

async function matched(built: BuiltSubmission, how: 'approved' | 'pending'): Promise<void> {
  await buildRegistryRecord(h.ctx, registryRowFor(built, how === 'pending' ? { name: `${built.name}某` } : {}));
  await matchProfileVersion(h.ctx, built.version.id);
}

/** What the console-stats worker does with the rows the triggers wrote: recompute the classes they name. */
async function runStatsOutbox(classIds: readonly string[]): Promise<number> {
  const rows = await h.ctx.db
    .select({ id: outbox.id, payload: outbox.payload })
    .from(outbox)
    .where(and(eq(outbox.queue, 'console-stats'), sql`${outbox.dispatchedAt} is null`, sql`${outbox.payload}->'classIds' ?| ${`{${classIds.join(',')}}`}::text[]`));
  const named = [...new Set(rows.flatMap((r) => (r.payload as { classIds: string[] }).classIds))].filter((id) => classIds.includes(id));
  await recomputeClassStats(h.ctx, named);
  if (rows.length > 0) await h.ctx.db.update(outbox).set({ dispatchedAt: new Date() }).where(sql`${outbox.id} = any(${`{${rows.map((r) => r.id).join(',')}}`}::bigint[])`);
  return rows.length;
}

describe('the school funnel', () => {
  test('When submissions are decided, then the decisions write no counter, and the funnel follows a few moments later from the aggregates', async () => {
    const w = await schoolWorld();
    const a = await submitted(w, w.headed);
    const b = await submitted(w, w.headed);
    const c = await submitted(w, w.orphan);
    await submitted(w, w.orphan); // d: submitted, not yet matched
    await matched(a, 'approved');
    await matched(b, 'pending');
    await matched(c, 'pending');

    // The decisions wrote outbox rows for the classes, and no aggregate row yet.
    expect(await h.ctx.db.select().from(consoleClassStats).where(eq(consoleClassStats.classId, w.headed.id))).toHaveLength(0);
    expect(await runStatsOutbox([w.headed.id, w.orphan.id])).toBeGreaterThanOrEqual(4);

    const res = await h.client().get(`/api/console/schools/${w.school.id}/funnel`, w.token);
    expect(res.status).toBe(200);
    // What the console parses it with.
    expect(SchoolFunnelResponseSchema.safeParse(res.body).error?.issues ?? []).toEqual([]);
    expect(res.body.totals).toMatchObject({ registered: 4, submitted: 4, autoApproved: 1, pendingReview: 2, returned: 0, approved: 1, reconfirmOutstanding: 0 });
    expect(res.body.totals.oldestPendingSince).toEqual(expect.any(String));
    expect(res.body.grades.map((g: { grade: string; counts: { registered: number; pendingReview: number } }) => [g.grade, g.counts.registered, g.counts.pendingReview])).toEqual([
      ['P3', 2, 1],
      ['P4', 2, 1],
    ]);
    expect(res.body.orphanClasses).toBe(1);

    // The head teacher returns b: the funnel moves once the outbox row is handled.
    const headSession = await createSession(h.ctx.db, h.ctx, { accountId: w.headed.headTeacherId!, channel: 'h5', meta: { ip: '127.0.0.1', requestId: 't', userAgent: null } });
    const ret = await h.client().post(`/api/reviews/${b.version.id}/return`, { reasonPreset: '姓名与学籍不一致' }, headSession.token);
    expect(ret.status).toBe(200);
    await runStatsOutbox([w.headed.id]);
    const after = await h.client().get(`/api/console/schools/${w.school.id}/funnel`, w.token);
    expect(after.body.totals).toMatchObject({ pendingReview: 1, returned: 1, approved: 1 });

    // The numbers equal the database's.
    const [truth] = rowsOf<{ registered: number; pending: number; returned: number }>(
      await h.ctx.db.execute(sql`
        select count(*)::int as registered, count(*) filter (where status = 'pending_review')::int as pending,
               count(*) filter (where status = 'returned')::int as returned
          from students where class_id in (${w.headed.id}, ${w.orphan.id})`),
    );
    expect(after.body.totals).toMatchObject({ registered: truth!.registered, pendingReview: truth!.pending, returned: truth!.returned });
  });

  test('When a statement moves many students at once, then one outbox row names their classes', async () => {
    const w = await schoolWorld();
    const built = await Promise.all([submitted(w, w.headed), submitted(w, w.headed), submitted(w, w.orphan)]);
    await runStatsOutbox([w.headed.id, w.orphan.id]);
    const before = await h.ctx.db.select({ n: sql<number>`count(*)::int` }).from(outbox).where(eq(outbox.queue, 'console-stats'));
    await h.ctx.db.update(students).set({ status: 'matching' }).where(sql`${students.id} = any(${`{${built.map((b) => b.student.id).join(',')}}`}::uuid[])`);
    const rows = await h.ctx.db
      .select({ payload: outbox.payload })
      .from(outbox)
      .where(and(eq(outbox.queue, 'console-stats'), sql`${outbox.payload}->'classIds' ?| ${`{${w.headed.id},${w.orphan.id}}`}::text[]`, sql`${outbox.dispatchedAt} is null`));
    expect(rows).toHaveLength(1);
    expect(new Set((rows[0]!.payload as { classIds: string[] }).classIds)).toEqual(new Set([w.headed.id, w.orphan.id]));
    const after = await h.ctx.db.select({ n: sql<number>`count(*)::int` }).from(outbox).where(eq(outbox.queue, 'console-stats'));
    expect(after[0]!.n).toBeGreaterThanOrEqual(before[0]!.n + 1);
    // A statement that changes no status writes nothing.
    await runStatsOutbox([w.headed.id, w.orphan.id]);
    await h.ctx.db.update(students).set({ updatedAt: new Date() }).where(eq(students.id, built[0]!.student.id));
    expect(await runStatsOutbox([w.headed.id])).toBe(0);
  });
});

describe('the classes page and the head-teacher assignment', () => {
  test('When a school admin lists the classes, then the ones without an active head teacher are flagged and can be filtered, paged and sorted', async () => {
    const w = await schoolWorld();
    const disabledHead = await buildAccount(h.ctx.db, { role: 'teacher', schoolId: w.school.id, status: 'disabled' });
    const third = await buildClass(h.ctx.db, { schoolId: w.school.id, grade: 'P5', name: '3班', headTeacherId: disabledHead.id });
    const pending = await submitted(w, third);
    await matched(pending, 'pending');
    await runStatsOutbox([third.id]);

    const all = await h.client().get(`/api/console/schools/${w.school.id}/classes`, w.token);
    expect(all.status).toBe(200);
    expect(ListConsoleClassesResponseSchema.safeParse(all.body).error?.issues ?? []).toEqual([]);
    expect(all.body.total).toBe(3);
    expect(all.body.items.map((c: { name: string; needsHeadTeacher: boolean }) => [c.name, c.needsHeadTeacher])).toEqual([
      ['1班', false],
      ['2班', true],
      ['3班', true],
    ]);
    const missing = await h.client().get(`/api/console/schools/${w.school.id}/classes?headTeacher=missing&sort=pendingReview&order=desc`, w.token);
    expect(missing.body.items.map((c: { name: string; counts: { pendingReview: number } }) => [c.name, c.counts.pendingReview])).toEqual([
      ['3班', 1],
      ['2班', 0],
    ]);
    const page2 = await h.client().get(`/api/console/schools/${w.school.id}/classes?pageSize=2&page=2`, w.token);
    expect(page2.body).toMatchObject({ total: 3, page: 2, pageSize: 2 });
    expect(page2.body.items).toHaveLength(1);
    const grade = await h.client().get(`/api/console/schools/${w.school.id}/classes?grade=P4`, w.token);
    expect(grade.body.items.map((c: { name: string }) => c.name)).toEqual(['2班']);
    const bad = await h.client().get(`/api/console/schools/${w.school.id}/classes?sort=secret`, w.token);
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields)).toEqual(['query.sort']);
  });

  test('When a school admin makes a teacher head of an orphan class, then its waiting submission moves to that teacher, who is told, and it appears in their queue', async () => {
    const w = await schoolWorld();
    const waiting = await submitted(w, w.orphan);
    await matched(waiting, 'pending');
    const [before] = await h.ctx.db.select().from(profileVersions).where(eq(profileVersions.id, waiting.version.id));
    // Without a head teacher the review went to the school admin.
    expect(before!.assignedReviewerId).toBe(w.admin.account.id);
    const teacherSession = await createSession(h.ctx.db, h.ctx, { accountId: w.teacher.id, channel: 'h5', meta: { ip: '127.0.0.1', requestId: 't', userAgent: null } });
    const queueBefore = await h.client().get('/api/reviews', teacherSession.token);
    expect(queueBefore.body.items ?? []).toHaveLength(0);

    const assigned = await putJson(`/api/console/schools/${w.school.id}/classes/${w.orphan.id}/head-teacher`, { teacherId: w.teacher.id }, w.token);
    expect(assigned.status).toBe(200);
    expect(AssignHeadTeacherResponseSchema.safeParse(assigned.body).error?.issues ?? []).toEqual([]);
    expect(assigned.body).toMatchObject({ movedReviews: 1, class: { id: w.orphan.id, needsHeadTeacher: false, headTeacher: { id: w.teacher.id, displayName: '王老师' } } });

    const [after] = await h.ctx.db.select().from(profileVersions).where(eq(profileVersions.id, waiting.version.id));
    expect(after!.assignedReviewerId).toBe(w.teacher.id);
    const told = await h.ctx.db.select().from(notifications).where(and(eq(notifications.accountId, w.teacher.id), eq(notifications.kind, 'review.waiting')));
    expect(told.map((n) => (n.data as { versionId: string }).versionId)).toEqual([waiting.version.id]);
    const queue = await h.client().get('/api/reviews', teacherSession.token);
    expect(queue.status).toBe(200);
    expect(queue.body.items.map((i: { versionId: string }) => i.versionId)).toEqual([waiting.version.id]);
    const [audit] = await h.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'console.head_teacher_assigned'), eq(auditLog.subjectId, w.orphan.id)));
    expect(audit).toMatchObject({ actorAccountId: w.admin.account.id, detail: { previousHeadTeacherId: null, headTeacherId: w.teacher.id, movedReviews: 1 } });

    const classes = await h.client().get(`/api/console/schools/${w.school.id}/classes?headTeacher=missing`, w.token);
    expect(classes.body.total).toBe(0);
  });

  test('When the teacher is of another school, disabled or not a teacher, then 400 TEACHER_INVALID and nothing changes', async () => {
    const w = await schoolWorld();
    const elsewhere = await buildAccount(h.ctx.db, { role: 'teacher', schoolId: (await buildSchool(h.ctx.db)).id });
    const disabled = await buildAccount(h.ctx.db, { role: 'teacher', schoolId: w.school.id, status: 'disabled' });
    for (const teacherId of [elsewhere.id, disabled.id, w.admin.account.id]) {
      const res = await putJson(`/api/console/schools/${w.school.id}/classes/${w.orphan.id}/head-teacher`, { teacherId }, w.token);
      expect(`${res.status}:${res.body.error.code}`).toBe('400:TEACHER_INVALID');
      expect(res.body.error.fields).toEqual({ 'body.teacherId': '请选择本校在职的教师' });
    }
    const classes = await h.client().get(`/api/console/schools/${w.school.id}/classes?headTeacher=missing`, w.token);
    expect(classes.body.items.map((c: { id: string }) => c.id)).toEqual([w.orphan.id]);
  });

  test("When a school admin asks about another school, then 404; an operator sees every school", async () => {
    const w = await schoolWorld();
    const other = await schoolWorld();
    for (const path of [`/api/console/schools/${other.school.id}/funnel`, `/api/console/schools/${other.school.id}/classes`, `/api/console/schools/${other.school.id}/teachers`]) {
      const res = await h.client().get(path, w.token);
      expect(`${res.status}:${res.body.error.code}`).toBe('404:NOT_FOUND');
    }
    const moved = await putJson(`/api/console/schools/${w.school.id}/classes/${other.orphan.id}/head-teacher`, { teacherId: w.teacher.id }, w.token);
    expect(moved.status).toBe(404);
    const mine = await h.client().get('/api/console/schools', w.token);
    expect(ListConsoleSchoolsResponseSchema.safeParse(mine.body).error?.issues ?? []).toEqual([]);
    expect(mine.body.items.map((s: { id: string }) => s.id)).toEqual([w.school.id]);

    const operator = await staffAccount('operator', null);
    const opToken = await signIn(operator);
    const funnel = await h.client().get(`/api/console/schools/${other.school.id}/funnel`, opToken);
    expect(funnel.status).toBe(200);
    const search = await h.client().get(`/api/console/schools?q=${encodeURIComponent(other.school.code)}`, opToken);
    expect(search.body.items.map((s: { id: string }) => s.id)).toEqual([other.school.id]);
    const teachers = await h.client().get(`/api/console/schools/${w.school.id}/teachers?q=${encodeURIComponent('王')}`, opToken);
    expect(ListConsoleTeachersResponseSchema.safeParse(teachers.body).error?.issues ?? []).toEqual([]);
    expect(teachers.body.items.map((t: { id: string }) => t.id)).toContain(w.teacher.id);
    expect(teachers.body.items.every((t: { phoneMasked: string | null }) => t.phoneMasked === null || /\*{4}/.test(t.phoneMasked))).toBe(true);
  });
});

let callback: ReturnType<ReturnType<typeof createApp>['callback']> | undefined;
function putJson(path: string, body: object, token: string) {
  callback ??= createApp(h.ctx).callback();
  return request(callback).put(path).set('X-Forwarded-For', `10.9.${randomBytes(1)[0]}.1`).set('Authorization', `Bearer ${token}`).send(body);
}
