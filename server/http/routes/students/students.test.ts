import { and, eq, sql } from 'drizzle-orm';
import { isValidCardNumber } from '../../../../domain/card/card-number';
import { transition } from '../../../../domain/review/state-machine';
import { auditLog, guardianConsents, outbox, profileDrafts, profileVersions, students } from '../../../db/schema';
import { buildClass, buildSchool } from '../../../test/factories';
import { childResidentId, createProfileHarness, randomMobile, registryFor, submissionBody, type ProfileHarness } from './profile-test-support';

jest.setTimeout(20_000);

let h: ProfileHarness;

beforeAll(async () => {
  h = await createProfileHarness();
});

afterAll(async () => {
  await h.close();
});

async function newStudent(token: string): Promise<string> {
  const res = await h.api.post('/api/students', token);
  expect(res.status).toBe(201);
  return res.body.id as string;
}

/** A family, a school with a class, a student, a registry row agreeing with the body, and the submission. */
async function submitted(options: { agreeing?: boolean; bodyOverrides?: Partial<Parameters<typeof submissionBody>[0]> } = {}) {
  const family = await h.family();
  const { school, klass, teacher } = await h.schoolWithClass();
  const studentId = await newStudent(family.token);
  const body = submissionBody({ school, klass, ...options.bodyOverrides });
  if (options.agreeing !== false) await registryFor(h, body, school, klass, { guardianPhones: [family.phone] });
  const res = await h.api.post(`/api/students/${studentId}/submissions`, family.token, body);
  expect(res.status).toBe(201);
  return { family, school, klass, teacher, studentId, body, versionId: res.body.versionId as string, res };
}

describe('GET/POST /api/students', () => {
  test('When a parent adds two children, then both are listed in status draft, oldest first', async () => {
    const parent = await h.family();
    const first = await newStudent(parent.token);
    const second = await newStudent(parent.token);

    const res = await h.api.get('/api/students', parent.token);

    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ page: 1, total: 2 });
    expect(res.body.items.map((s: { id: string }) => s.id)).toEqual([first, second]);
    expect(res.body.items[0]).toMatchObject({ status: 'draft', statusLabel: '草稿', nameMasked: null, card: null, latestVersion: null, hasDraft: false });
  });

  test('When a draft student is deleted, then it and its draft are gone; a submitted student cannot be deleted', async () => {
    const parent = await h.family();
    const studentId = await newStudent(parent.token);
    expect((await h.api.put(`/api/students/${studentId}/draft`, parent.token, { personal: { name: '王小明' } })).status).toBe(200);

    const res = await h.api.delete(`/api/students/${studentId}`, parent.token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ studentId, deleted: true });
    expect(await h.ctx.db.select().from(students).where(eq(students.id, studentId))).toEqual([]);
    expect(await h.ctx.db.select().from(profileDrafts).where(eq(profileDrafts.studentId, studentId))).toEqual([]);
    expect((await h.api.get('/api/students', parent.token)).body.total).toBe(0);
    expect(await h.auditActions(studentId)).toContain('student.deleted');

    const s = await submitted();
    const refused = await h.api.delete(`/api/students/${s.studentId}`, s.family.token);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe('已提交过的学生不能删除');
  });

  test('When a student account adds a second student, then 409 STUDENT_ACCOUNT_SINGLE', async () => {
    const student = await h.family('student');
    await newStudent(student.token);

    const res = await h.api.post('/api/students', student.token);

    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('STUDENT_ACCOUNT_SINGLE');
  });

  test('When a teacher or nobody calls, then 403 and 401', async () => {
    const school = await buildSchool(h.ctx.db);
    const teacher = await h.staff('teacher', school.id);

    expect((await h.api.get('/api/students', teacher.token)).status).toBe(403);
    expect((await h.api.get('/api/students')).status).toBe(401);
  });
});

describe('ownership', () => {
  test("When family B asks for family A's student, then every route answers 404, like an unknown id", async () => {
    const a = await submitted();
    const b = await h.family();
    const unknown = '00000000-0000-4000-8000-000000000000';

    for (const id of [a.studentId, unknown]) {
      const answers = await Promise.all([
        h.api.get(`/api/students/${id}`, b.token),
        h.api.get(`/api/students/${id}?reveal=residentId`, b.token),
        h.api.get(`/api/students/${id}/draft`, b.token),
        h.api.put(`/api/students/${id}/draft`, b.token, { personal: { name: '张三' } }),
        h.api.post(`/api/students/${id}/submissions`, b.token, submissionBody({ school: a.school, klass: a.klass })),
        h.api.patch(`/api/students/${id}/contact`, b.token, { personal: { phone: randomMobile() } }),
      ]);
      expect(answers.map((r) => [r.status, r.body.error?.code])).toEqual(Array(6).fill([404, 'NOT_FOUND']));
    }
    const list = await h.api.get('/api/students', b.token);
    expect(list.body.items).toEqual([]);
    expect(await h.auditActions(a.studentId)).not.toContain('profile.reveal_resident_id');
  });
});

describe('drafts', () => {
  test('When a draft is saved, then it comes back in clear for its family and its ID numbers rest encrypted', async () => {
    const parent = await h.family();
    const studentId = await newStudent(parent.token);
    const residentId = childResidentId();
    const phone = randomMobile();

    const put = await h.api.put(`/api/students/${studentId}/draft`, parent.token, {
      personal: { name: ' 王 小明 ', residentId: residentId.toLowerCase(), email: '' },
      guardians: [{ name: '王大明', phone, relation: 'father' }],
    });
    const get = await h.api.get(`/api/students/${studentId}/draft`, parent.token);

    expect(put.status).toBe(200);
    expect(get.status).toBe(200);
    expect(get.body).toMatchObject({
      source: 'draft',
      draft: { personal: { name: '王小明', residentId }, guardians: [{ name: '王大明', relation: 'father', phone }] },
    });
    const [row] = await h.ctx.db.select().from(profileDrafts).where(eq(profileDrafts.studentId, studentId));
    expect(JSON.stringify(row)).not.toContain(residentId);
    expect(JSON.stringify(row)).not.toContain(phone);
    // The owner's own draft: no audit row for reading it back.
    expect(await h.auditActions(studentId)).toEqual(['student.created']);
    const list = await h.api.get('/api/students', parent.token);
    expect(list.body.items[0]).toMatchObject({ nameMasked: '王**', hasDraft: true });
  });

  test('When a present draft field is invalid, then 400 names it', async () => {
    const parent = await h.family();
    const studentId = await newStudent(parent.token);

    const res = await h.api.put(`/api/students/${studentId}/draft`, parent.token, { personal: { residentId: '110105200001011234' } });

    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.fields)).toEqual(['body.personal.residentId']);
  });
});

describe('POST /api/students/:id/submissions', () => {
  test('When the registry agrees, then one match approves it with a card number, and the family sees 已通过', async () => {
    const s = await submitted();
    expect(s.res.body).toMatchObject({ studentId: s.studentId, version: 1, status: 'submitted', statusLabel: '已提交' });
    const [row] = await h.ctx.db.select().from(outbox).where(sql`${outbox.payload}->>'profileVersionId' = ${s.versionId}`);
    expect(row).toMatchObject({ queue: 'registry-match', payload: { profileVersionId: s.versionId } });
    const [consent] = await h.ctx.db.select().from(guardianConsents).where(eq(guardianConsents.profileVersionId, s.versionId));
    expect(consent).toMatchObject({ studentId: s.studentId, accountId: s.family.accountId, guardianIndex: 0, policyVersion: '2026-09-01' });

    await h.relayAndMatch(s.versionId);

    const detail = await h.api.get(`/api/students/${s.studentId}`, s.family.token);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ status: 'approved', statusLabel: '已认证', approvedVersionId: s.versionId, actions: ['resubmit_key_change', 'edit_contact'] });
    expect(isValidCardNumber(detail.body.card.number)).toBe(true);
    expect(detail.body.card).toMatchObject({ valid: true });
    expect(detail.body.timeline.map((e: { label: string }) => e.label)).toEqual(['已提交', '比对中', '已通过']);
    expect(detail.body.timeline.at(-1)).toMatchObject({ current: true, note: '学籍比对自动通过' });
    const notes = await h.notificationsOf(s.family.accountId);
    expect(notes).toEqual([
      expect.objectContaining({
        kind: 'review.approved',
        dedupKey: `review.approved:${s.versionId}`,
        pagePath: `pages/status/index?studentId=${s.studentId}`,
        data: expect.objectContaining({ cardNumber: detail.body.card.number, automatic: true }),
      }),
    ]);
  });

  test('When the detail is read, then IDs and phones are masked; ?reveal=residentId answers the full ID once and is audited', async () => {
    const s = await submitted({ bodyOverrides: { phone: '13812345678' } });
    const id = s.body.personal.residentId;

    const plain = await h.api.get(`/api/students/${s.studentId}`, s.family.token);
    const revealed = await h.api.get(`/api/students/${s.studentId}?reveal=residentId`, s.family.token);

    expect(plain.text).not.toContain(id);
    expect(plain.text).not.toContain(s.body.guardians[0]!.residentId);
    expect(plain.text).not.toContain(s.body.guardians[0]!.phone);
    expect(plain.body.latest.profile.personal).toMatchObject({
      name: s.body.personal.name,
      residentIdMasked: `${id.slice(0, 6)}********${id.slice(14)}`,
      phoneMasked: '138****5678',
    });
    expect(plain.body.revealed).toBeUndefined();
    expect(revealed.body.revealed).toEqual({ residentId: id });
    expect(revealed.headers['cache-control']).toBe('no-store');
    const audits = await h.ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.subjectId, s.studentId), eq(auditLog.action, 'profile.reveal_resident_id')));
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actorAccountId: s.family.accountId, actorRole: 'parent', detail: { versionId: s.versionId } });
  });

  test('When a child under 14 is submitted without consent, then 400 on body.consent and nothing is stored', async () => {
    const parent = await h.family();
    const { school, klass } = await h.schoolWithClass();
    const studentId = await newStudent(parent.token);

    const res = await h.api.post(`/api/students/${studentId}/submissions`, parent.token, submissionBody({ school, klass, consent: false }));

    expect(res.status).toBe(400);
    expect(res.body.error.fields).toEqual({ 'body.consent': '未满 14 周岁的学生须由监护人同意后提交' });
    expect(await h.ctx.db.select().from(profileVersions).where(eq(profileVersions.studentId, studentId))).toEqual([]);
  });

  test('When a child of 15 is submitted without consent, then it is accepted', async () => {
    const parent = await h.family();
    const { school, klass } = await h.schoolWithClass({ grade: 'J3' });
    const studentId = await newStudent(parent.token);

    const res = await h.api.post(
      `/api/students/${studentId}/submissions`,
      parent.token,
      submissionBody({ school, klass, consent: false, residentId: childResidentId(15) }),
    );

    expect(res.status).toBe(201);
  });

  test('When the class is unknown, of another school or of another grade, then 400 names body.school.classId', async () => {
    const parent = await h.family();
    const { school, klass } = await h.schoolWithClass();
    const other = await buildSchool(h.ctx.db);
    const otherClass = await buildClass(h.ctx.db, { schoolId: other.id, grade: 'P4' });
    const studentId = await newStudent(parent.token);
    const post = (body: object) => h.api.post(`/api/students/${studentId}/submissions`, parent.token, body);

    const unknown = await post(submissionBody({ school, klass: { id: '00000000-0000-4000-8000-000000000001', grade: 'P4' } }));
    const foreign = await post(submissionBody({ school, klass: otherClass }));
    const wrongGrade = await post(submissionBody({ school, klass, grade: 'P5' }));
    const unknownSchool = await post(submissionBody({ school: { id: '00000000-0000-4000-8000-000000000002' }, klass }));

    for (const res of [unknown, foreign, wrongGrade]) {
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', fields: { 'body.school.classId': expect.any(String) } });
    }
    expect(unknownSchool.body.error.fields).toEqual({ 'body.school.schoolId': '请选择学校' });
  });

  test('When a second submission comes while one is pending, then 409 SUBMISSION_PENDING; two at once: one 201, one 409', async () => {
    // No registry row: whoever matches it, it stays pending (with a person).
    const s = await submitted({ agreeing: false });
    const again = await h.api.post(`/api/students/${s.studentId}/submissions`, s.family.token, submissionBody({ school: s.school, klass: s.klass }));
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('SUBMISSION_PENDING');

    const studentId = await newStudent(s.family.token);
    const body = submissionBody({ school: s.school, klass: s.klass });
    const both = await Promise.all([
      h.api.post(`/api/students/${studentId}/submissions`, s.family.token, body),
      h.api.post(`/api/students/${studentId}/submissions`, s.family.token, body),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([201, 409]);
  });

  test('When the ID is already approved under another account, then the submission is accepted (201) and becomes a dispute, not 409', async () => {
    const a = await submitted();
    await h.relayAndMatch(a.versionId);
    const b = await h.family();
    const studentId = await newStudent(b.token);

    const res = await h.api.post(
      `/api/students/${studentId}/submissions`,
      b.token,
      submissionBody({ school: a.school, klass: a.klass, residentId: a.body.personal.residentId }),
    );

    expect(res.status).toBe(201);
    const [audit] = await h.ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.subjectId, res.body.versionId), eq(auditLog.action, 'profile.submitted')));
    expect(audit).toMatchObject({ actorAccountId: b.accountId, detail: { claimsApprovedId: true } });
    expect(JSON.stringify(audit!.detail)).not.toContain(a.body.personal.residentId);
    await h.relayAndMatch(res.body.versionId);
    expect((await h.api.get(`/api/students/${studentId}`, b.token)).body).toMatchObject({ status: 'disputed', card: null });
    const again = await h.api.post(`/api/students/${studentId}/submissions`, b.token, submissionBody({ school: a.school, klass: a.klass, residentId: a.body.personal.residentId }));
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('SUBMISSION_PENDING');
  });

  test('When text fields hold HTML, then it is stored and answered as text; HTML in a name is refused', async () => {
    const html = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    const s = await submitted({ bodyOverrides: { address: html } });

    const detail = await h.api.get(`/api/students/${s.studentId}`, s.family.token);
    const badName = await h.api.post(
      `/api/students/${await newStudent(s.family.token)}/submissions`,
      s.family.token,
      submissionBody({ school: s.school, klass: s.klass, name: '<b>张三</b>' }),
    );

    expect(detail.headers['content-type']).toMatch(/^application\/json/);
    expect(detail.body.latest.profile.guardians[0].address).toBe(html);
    const [version] = await h.ctx.db.select().from(profileVersions).where(eq(profileVersions.id, s.versionId));
    expect((version!.data as { guardians: { address: string }[] }).guardians[0]!.address).toBe(html);
    expect(badName.status).toBe(400);
    expect(badName.body.error.fields['body.personal.name']).toBe('姓名只能包含汉字、字母和间隔号（·）');
  });

  test('When the submission is made, then the draft is deleted', async () => {
    const parent = await h.family();
    const { school, klass } = await h.schoolWithClass();
    const studentId = await newStudent(parent.token);
    await h.api.put(`/api/students/${studentId}/draft`, parent.token, { personal: { name: '李四' } });

    await h.api.post(`/api/students/${studentId}/submissions`, parent.token, submissionBody({ school, klass }));

    expect(await h.ctx.db.select().from(profileDrafts).where(eq(profileDrafts.studentId, studentId))).toEqual([]);
    const draft = await h.api.get(`/api/students/${studentId}/draft`, parent.token);
    expect(draft.body).toMatchObject({ source: 'latest_version', draft: { personal: { name: expect.any(String) } } });
    expect(await h.auditActions(studentId)).toContain('profile.reveal_for_edit');
  });
});

describe('after approval (电子档案)', () => {
  async function approved() {
    const s = await submitted();
    await h.relayAndMatch(s.versionId);
    const [student] = await h.ctx.db.select().from(students).where(eq(students.id, s.studentId));
    return { ...s, cardNumber: student!.cardNumber! };
  }

  test('When contact fields change, then they apply at once as a contact-only version, without matching', async () => {
    const s = await approved();
    const outboxBefore = await h.ctx.db.select({ n: sql<number>`count(*)::int` }).from(outbox);
    const phone = '13900001111';

    const res = await h.api.patch(`/api/students/${s.studentId}/contact`, s.family.token, {
      personal: { phone, email: 'Parent@Example.com' },
      guardians: [{ address: '江苏省苏州市新地址 8 号' }],
    });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'approved', card: { number: s.cardNumber, valid: true } });
    expect(res.body.latest).toMatchObject({ version: 2, status: 'approved', contactOnly: true });
    expect(res.body.latest.profile.personal).toMatchObject({ phoneMasked: '139****1111', emailMasked: 'P***@example.com' });
    expect(res.body.latest.profile.guardians[0].address).toBe('江苏省苏州市新地址 8 号');
    expect(res.body.approvedVersionId).toBe(res.body.latest.id);
    expect(res.body.timeline.at(-1)).toMatchObject({ step: 'contact_updated', label: '联系方式已更新', current: true });
    const [version] = await h.ctx.db.select().from(profileVersions).where(eq(profileVersions.id, res.body.latest.id));
    expect(version).toMatchObject({ status: 'approved', contactOnly: true, residentIdIndex: expect.any(String), matchOutcome: 'matched' });
    const outboxAfter = await h.ctx.db.select({ n: sql<number>`count(*)::int` }).from(outbox).where(sql`${outbox.payload}->>'profileVersionId' = ${version!.id}`);
    expect(outboxAfter[0]!.n).toBe(0);
    expect(outboxBefore[0]!.n).toBeGreaterThan(0);
    expect(await h.auditActions(version!.id)).toEqual(['profile.contact_updated']);
  });

  test('When a contact edit is asked before approval, then 409 CONTACT_EDIT_UNAVAILABLE', async () => {
    const s = await submitted({ agreeing: false });

    const res = await h.api.patch(`/api/students/${s.studentId}/contact`, s.family.token, { personal: { phone: randomMobile() } });

    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('CONTACT_EDIT_UNAVAILABLE');
  });

  test('When a key field changes, then a new version is matched while the card stays valid; unchanged key fields → 409', async () => {
    const s = await approved();
    const sameKeys = { ...s.body, guardians: [{ ...s.body.guardians[0]!, phone: randomMobile() }] };
    const unchanged = await h.api.post(`/api/students/${s.studentId}/submissions`, s.family.token, sameKeys);
    expect(unchanged.status).toBe(409);
    expect(unchanged.body.error.code).toBe('KEY_FIELDS_UNCHANGED');

    const otherClass = await buildClass(h.ctx.db, { schoolId: s.school.id, grade: s.klass.grade, headTeacherId: s.teacher.accountId });
    const change = await h.api.post(`/api/students/${s.studentId}/submissions`, s.family.token, {
      ...s.body,
      school: { ...s.body.school, classId: otherClass.id },
    });
    expect(change.status).toBe(201);
    expect(change.body).toMatchObject({ version: 2, status: 'submitted' });

    const pending = await h.api.get(`/api/students/${s.studentId}`, s.family.token);
    // Another process's relay may already have matched it: any in-flight status will do.
    expect(pending.body).toMatchObject({
      status: expect.stringMatching(/^(submitted|matching|pending_review)$/),
      approvedVersionId: s.versionId,
      card: { number: s.cardNumber, valid: true },
      actions: [],
    });

    await h.relayAndMatch(change.body.versionId); // the registry still says the old class
    const review = await h.api.get(`/api/students/${s.studentId}`, s.family.token);
    expect(review.body).toMatchObject({ status: 'pending_review', approvedVersionId: s.versionId, card: { number: s.cardNumber, valid: true } });
    expect(review.body.timeline.map((e: { label: string }) => e.label)).toEqual(['已提交', '比对中', '已通过', '已提交', '比对中', '待班主任审核']);
    const contact = await h.api.patch(`/api/students/${s.studentId}/contact`, s.family.token, { personal: { phone: randomMobile() } });
    expect(contact.status).toBe(409);
  });

  test('When an approved profile is opened for a correction, then the guardian consent given to the current rules is carried over', async () => {
    const s = await approved();
    const draft = await h.api.get(`/api/students/${s.studentId}/draft`, s.family.token);
    expect(draft.body).toMatchObject({ source: 'latest_version', draft: { consent: { agreed: true, policyVersion: '2026-09-01', guardianIndex: 0 } } });
  });

  test('When a key change waits for the head teacher, then the family sees the valid card with its data and the change, and can withdraw it', async () => {
    const s = await approved();
    const otherClass = await buildClass(h.ctx.db, { schoolId: s.school.id, grade: s.klass.grade, headTeacherId: s.teacher.accountId });
    const change = await h.api.post(`/api/students/${s.studentId}/submissions`, s.family.token, { ...s.body, school: { ...s.body.school, classId: otherClass.id } });
    await h.relayAndMatch(change.body.versionId); // the registry still says the old class

    const pending = await h.api.get(`/api/students/${s.studentId}`, s.family.token);
    expect(pending.body).toMatchObject({
      status: 'pending_review',
      hasValidCard: true,
      card: { number: s.cardNumber, valid: true },
      approved: { id: s.versionId, profile: { school: { classId: s.klass.id } } },
      change: { state: 'in_review', versionId: change.body.versionId, submission: 2, returnReason: null },
      actions: ['withdraw_change'],
    });

    const withdrawn = await h.api.post(`/api/students/${s.studentId}/change/withdraw`, s.family.token);
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body).toMatchObject({ status: 'approved', hasValidCard: true, change: null, approved: null, latest: { id: s.versionId }, card: { number: s.cardNumber } });
    expect(withdrawn.body.actions).toEqual(['resubmit_key_change', 'edit_contact']);
    expect(withdrawn.body.timeline.map((e: { step: string }) => e.step)).toContain('withdrawn');
    const [version] = await h.ctx.db.select().from(profileVersions).where(eq(profileVersions.id, change.body.versionId));
    expect(version!.status).toBe('withdrawn');
    expect(await h.auditActions(change.body.versionId)).toContain('profile.change_withdrawn');
    // The teacher can no longer decide it, and it is gone from the list.
    expect((await h.api.post(`/api/reviews/${change.body.versionId}/approve`, s.teacher.token)).status).toBe(409);
    const list = await h.api.get('/api/reviews?status=pending_review', s.teacher.token);
    expect(JSON.stringify(list.body)).not.toContain(change.body.versionId);
    // Nothing left to withdraw.
    const again = await h.api.post(`/api/students/${s.studentId}/change/withdraw`, s.family.token);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toBe('没有可以撤回的信息变更');
  });

  test('When a key change was returned, then the card is still valid, the reason shown, and the family may keep its current data', async () => {
    const s = await approved();
    const otherClass = await buildClass(h.ctx.db, { schoolId: s.school.id, grade: s.klass.grade, headTeacherId: s.teacher.accountId });
    const change = await h.api.post(`/api/students/${s.studentId}/submissions`, s.family.token, { ...s.body, school: { ...s.body.school, classId: otherClass.id } });
    await h.relayAndMatch(change.body.versionId);
    expect((await h.api.post(`/api/reviews/${change.body.versionId}/return`, s.teacher.token, { reasonPreset: '年级或班级填写错误' })).status).toBe(200);

    const returned = await h.api.get(`/api/students/${s.studentId}`, s.family.token);
    expect(returned.body).toMatchObject({
      status: 'returned',
      hasValidCard: true,
      card: { valid: true },
      approved: { id: s.versionId, profile: { school: { classId: s.klass.id } } },
      change: { state: 'returned', returnReason: '年级或班级填写错误' },
    });
    expect(returned.body.actions).toEqual(['submit', 'withdraw_change']);

    const kept = await h.api.post(`/api/students/${s.studentId}/change/withdraw`, s.family.token);
    expect(kept.status).toBe(200);
    expect(kept.body).toMatchObject({ status: 'approved', change: null, latest: { id: s.versionId, profile: { school: { classId: s.klass.id } } } });
    const labels = kept.body.timeline.map((e: { label: string }) => e.label);
    expect(labels.slice(-2)).toEqual(['已退回', '已撤回变更']);
  });

  test('When nothing is pending, or the first submission waits for review, then withdraw answers 409', async () => {
    const s = await approved();
    expect((await h.api.post(`/api/students/${s.studentId}/change/withdraw`, s.family.token)).status).toBe(409);
    const first = await submitted({ agreeing: false });
    await h.relayAndMatch(first.versionId);
    expect((await h.api.post(`/api/students/${first.studentId}/change/withdraw`, first.family.token)).status).toBe(409);
  });

  test('When the registry agrees on every field but says 借读, then the family is told why (not a mismatch) and the teacher sees 学籍状态 as registry-only', async () => {
    const family = await h.family();
    const { school, klass, teacher } = await h.schoolWithClass();
    const studentId = await newStudent(family.token);
    const body = submissionBody({ school, klass });
    await registryFor(h, body, school, klass, { registryStatus: '借读' });
    const res = await h.api.post(`/api/students/${studentId}/submissions`, family.token, body);
    await h.relayAndMatch(res.body.versionId);

    const detail = await h.api.get(`/api/students/${studentId}`, family.token);
    expect(detail.body).toMatchObject({ status: 'pending_review', latest: { matchOutcome: 'transient_status' } });
    const review = await h.api.get(`/api/reviews/${res.body.versionId}`, teacher.token);
    const row = review.body.fields.find((f: { field: string }) => f.field === 'registryStatus');
    expect(row).toMatchObject({ registryOnly: true, submitted: null, registry: '借读' });
    expect(review.body.fields.filter((f: { registryOnly: boolean }) => !f.registryOnly).every((f: { differs: boolean }) => !f.differs)).toBe(true);
  });

  test('When contact edits come between submissions, then they are not counted as submissions (第 N 次提交)', async () => {
    const s = await approved();
    expect((await h.api.patch(`/api/students/${s.studentId}/contact`, s.family.token, { personal: { phone: randomMobile() } })).status).toBe(200);
    const otherClass = await buildClass(h.ctx.db, { schoolId: s.school.id, grade: s.klass.grade, headTeacherId: s.teacher.accountId });
    const change = await h.api.post(`/api/students/${s.studentId}/submissions`, s.family.token, { ...s.body, school: { ...s.body.school, classId: otherClass.id } });
    expect(change.body.version).toBe(3);
    await h.relayAndMatch(change.body.versionId);

    const detail = await h.api.get(`/api/students/${s.studentId}`, s.family.token);
    expect(detail.body.latest).toMatchObject({ version: 3, submission: 2 });
    const review = await h.api.get(`/api/reviews/${change.body.versionId}`, s.teacher.token);
    expect(review.body).toMatchObject({ version: 3, submission: 2 });
  });

  test('When a new semester asks to reconfirm, then unchanged key fields are a reconfirm, changed ones a submit', async () => {
    const s = await approved();
    // What the semester job will do (domain state machine, semester_reset on the approved version).
    const reset = transition('approved', { type: 'semester_reset' });
    await h.ctx.db.update(profileVersions).set({ status: reset }).where(eq(profileVersions.id, s.versionId));
    await h.ctx.db.update(students).set({ status: reset }).where(eq(students.id, s.studentId));
    const before = await h.api.get(`/api/students/${s.studentId}`, s.family.token);
    expect(before.body).toMatchObject({ status: 'reconfirm_required', actions: ['reconfirm', 'submit', 'edit_contact'] });

    const res = await h.api.post(`/api/students/${s.studentId}/submissions`, s.family.token, s.body);

    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ version: 2, status: 'submitted' });
    const [audit] = await h.ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.subjectId, res.body.versionId), eq(auditLog.action, 'profile.submitted')));
    expect(audit!.detail).toMatchObject({ event: 'reconfirm' });
    await h.relayAndMatch(res.body.versionId);
    const after = await h.api.get(`/api/students/${s.studentId}`, s.family.token);
    expect(after.body).toMatchObject({ status: 'approved', approvedVersionId: res.body.versionId, card: { number: s.cardNumber } });
  });
});
