import { and, eq, inArray } from 'drizzle-orm';
import { isValidCardNumber } from '../../../../domain/card/card-number';
import { auditLog, profileVersions, students } from '../../../db/schema';
import { buildClass, type Class, type School } from '../../../test/factories';
import { createProfileHarness, registryFor, submissionBody, type ProfileHarness } from '../students/profile-test-support';

jest.setTimeout(20_000);

let h: ProfileHarness;

beforeAll(async () => {
  h = await createProfileHarness();
});

afterAll(async () => {
  await h.close();
});

interface Staff {
  token: string;
  accountId: string;
}

/**
 * A school whose registry puts the child in class A, while the family picks
 * class B (same grade): the match sends the version to B's head teacher.
 */
async function wrongClassSubmission(): Promise<{
  school: School;
  classA: Class;
  classB: Class;
  teacherB: Staff;
  family: Staff;
  studentId: string;
  versionId: string;
  body: ReturnType<typeof submissionBody>;
}> {
  const { school, klass: classA } = await h.schoolWithClass();
  const teacherB = await h.staff('teacher', school.id);
  const classB = await buildClass(h.ctx.db, { schoolId: school.id, grade: classA.grade, headTeacherId: teacherB.accountId });
  const family = await h.family();
  const studentId = (await h.api.post('/api/students', family.token)).body.id as string;
  const body = submissionBody({ school, klass: classB });
  await registryFor(h, body, school, classA, { guardianPhones: [family.phone] });
  const res = await h.api.post(`/api/students/${studentId}/submissions`, family.token, body);
  expect(res.status).toBe(201);
  await h.relayAndMatch(res.body.versionId);
  return { school, classA, classB, teacherB, family, studentId, versionId: res.body.versionId, body };
}

describe('the wrong-class flow', () => {
  test('When the class is wrong, then the head teacher sees it flagged, returns it, and the corrected resubmission is approved', async () => {
    const s = await wrongClassSubmission();
    const [version] = await h.ctx.db.select().from(profileVersions).where(eq(profileVersions.id, s.versionId));
    expect(version).toMatchObject({ status: 'pending_review', matchOutcome: 'mismatch', assignedReviewerId: s.teacherB.accountId });

    // 待审核 list: the teacher's class, masked name, counts.
    const list = await h.api.get('/api/reviews?status=pending_review', s.teacherB.token);
    expect(list.status).toBe(200);
    expect(list.body.classes).toEqual([
      expect.objectContaining({ classId: s.classB.id, className: s.classB.name, gradeLabel: '四年级', pendingReview: 1, returned: 0, approved: 0 }),
    ]);
    expect(list.body.items).toEqual([
      expect.objectContaining({ versionId: s.versionId, studentId: s.studentId, nameMasked: `${[...s.body.personal.name][0]}${'*'.repeat([...s.body.personal.name].length - 1)}`, matchOutcomeLabel: '信息与学籍库不一致' }),
    ]);
    expect(list.text).not.toContain(s.body.personal.name);

    // 审核详情: class flagged, IDs masked, the view audited.
    const detail = await h.api.get(`/api/reviews/${s.versionId}`, s.teacherB.token);
    expect(detail.status).toBe(200);
    const flagged = detail.body.fields.filter((f: { differs: boolean }) => f.differs).map((f: { field: string }) => f.field);
    expect(flagged).toEqual(['class']);
    expect(detail.body.fields.find((f: { field: string }) => f.field === 'class')).toMatchObject({ submitted: s.classB.name, registry: s.classA.name, label: '班级' });
    expect(detail.body).toMatchObject({ registryFound: true, actions: ['approve', 'return'], residentIdApprovedElsewhere: false, cardNumber: null });
    expect(detail.text).not.toContain(s.body.personal.residentId);
    expect(detail.text).not.toContain(s.body.guardians[0]!.residentId);
    expect(detail.text).not.toContain(s.body.guardians[0]!.phone);
    const id = s.body.personal.residentId;
    expect(detail.body.fields.find((f: { field: string }) => f.field === 'residentId')).toMatchObject({
      submitted: `${id.slice(0, 6)}********${id.slice(14)}`,
      registry: `${id.slice(0, 6)}********${id.slice(14)}`,
      differs: false,
    });

    // Return with a reason.
    const returned = await h.api.post(`/api/reviews/${s.versionId}/return`, s.teacherB.token, {
      reasonPreset: '年级或班级填写错误',
      reasonText: '学籍在一班',
    });
    expect(returned.status).toBe(200);
    expect(returned.body).toMatchObject({ status: 'returned', reviewReason: '年级或班级填写错误：学籍在一班' });
    expect(await h.auditActions(s.versionId)).toEqual(['profile.submitted', 'review.sent_to_teacher', 'review.view', 'review.returned']);

    // The family sees 已退回 with the reason, and a notification row.
    const seen = await h.api.get(`/api/students/${s.studentId}`, s.family.token);
    expect(seen.body).toMatchObject({ status: 'returned', statusLabel: '已退回', actions: ['submit'], latest: { returnReason: '年级或班级填写错误：学籍在一班' } });
    expect(seen.body.timeline.map((e: { label: string }) => e.label)).toEqual(['已提交', '比对中', '待班主任审核', '已退回']);
    expect(seen.body.timeline.at(-1)).toMatchObject({ note: '年级或班级填写错误：学籍在一班', current: true });
    expect(await h.notificationsOf(s.family.accountId)).toEqual([
      expect.objectContaining({
        kind: 'review.returned',
        dedupKey: `review.returned:${s.versionId}`,
        pagePath: `pages/status/index?studentId=${s.studentId}`,
        data: expect.objectContaining({ reason: '年级或班级填写错误：学籍在一班', versionId: s.versionId }),
      }),
    ]);

    // The family corrects the class (from the prefilled form) and resubmits: approved with a card number.
    const form = await h.api.get(`/api/students/${s.studentId}/draft`, s.family.token);
    expect(form.body.source).toBe('latest_version');
    const fixed = await h.api.post(`/api/students/${s.studentId}/submissions`, s.family.token, {
      ...form.body.draft,
      school: { ...form.body.draft.school, classId: s.classA.id },
      consent: s.body.consent,
    });
    expect(fixed.status).toBe(201);
    expect(fixed.body).toMatchObject({ version: 2, status: 'submitted' });
    await h.relayAndMatch(fixed.body.versionId);

    const done = await h.api.get(`/api/students/${s.studentId}`, s.family.token);
    expect(done.body).toMatchObject({ status: 'approved', approvedVersionId: fixed.body.versionId });
    expect(isValidCardNumber(done.body.card.number)).toBe(true);
    expect(done.body.timeline.map((e: { label: string }) => e.label)).toEqual([
      '已提交', '比对中', '待班主任审核', '已退回', '已提交', '比对中', '已通过',
    ]);
    const counts = await h.api.get('/api/reviews?status=returned', s.teacherB.token);
    expect(counts.body.classes[0]).toMatchObject({ pendingReview: 0, returned: 0, approved: 0 }); // the student moved to class A
  });

  test('When the head teacher approves, then the student gets a card number and the family a notification', async () => {
    const s = await wrongClassSubmission();

    const res = await h.api.post(`/api/reviews/${s.versionId}/approve`, s.teacherB.token);

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'approved', statusLabel: '已认证', reviewReason: null });
    expect(isValidCardNumber(res.body.cardNumber)).toBe(true);
    const [student] = await h.ctx.db.select().from(students).where(eq(students.id, s.studentId));
    expect(student).toMatchObject({ status: 'approved', approvedVersionId: s.versionId, cardNumber: res.body.cardNumber, classId: s.classB.id });
    const [audit] = await h.ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.subjectId, s.versionId), eq(auditLog.action, 'review.approved')));
    expect(audit).toMatchObject({ actorAccountId: s.teacherB.accountId, actorRole: 'teacher', detail: expect.objectContaining({ cardIssued: true }) });
    expect(await h.notificationsOf(s.family.accountId)).toEqual([
      expect.objectContaining({ kind: 'review.approved', data: expect.objectContaining({ cardNumber: res.body.cardNumber, automatic: false }) }),
    ]);
    const family = await h.api.get(`/api/students/${s.studentId}`, s.family.token);
    expect(family.body.timeline.at(-1)).toMatchObject({ label: '已通过', note: '班主任审核通过' });
    const approvedList = await h.api.get('/api/reviews?status=approved', s.teacherB.token);
    expect(approvedList.body.items.map((i: { versionId: string }) => i.versionId)).toEqual([s.versionId]);
    // The card was issued by this very approval: the review page does not call it an info change.
    const detail = await h.api.get(`/api/reviews/${s.versionId}`, s.teacherB.token);
    expect(detail.body).toMatchObject({ status: 'approved', cardNumber: null, submission: 1 });
  });
});

describe('who may review', () => {
  test('When another class of the school asks, then 403; another school 404; a parent 403; the school admin may', async () => {
    const s = await wrongClassSubmission();
    const { school: otherSchool } = await h.schoolWithClass();
    const sameSchoolTeacher = await h.staff('teacher', s.school.id);
    await buildClass(h.ctx.db, { schoolId: s.school.id, grade: 'P5', headTeacherId: sameSchoolTeacher.accountId });
    const otherTeacher = await h.staff('teacher', otherSchool.id);
    const otherAdmin = await h.staff('school_admin', otherSchool.id);
    const admin = await h.staff('school_admin', s.school.id);

    const asked = async (token: string) => {
      const results = await Promise.all([
        h.api.get(`/api/reviews/${s.versionId}`, token),
        h.api.post(`/api/reviews/${s.versionId}/approve`, token),
        h.api.post(`/api/reviews/${s.versionId}/return`, token, { reasonPreset: '身份证号有误' }),
      ]);
      return results.map((r) => r.status);
    };
    expect(await asked(sameSchoolTeacher.token)).toEqual([403, 403, 403]);
    expect(await asked(otherTeacher.token)).toEqual([404, 404, 404]);
    expect(await asked(otherAdmin.token)).toEqual([404, 404, 404]);
    expect(await asked(s.family.token)).toEqual([403, 403, 403]);

    const otherList = await h.api.get('/api/reviews', sameSchoolTeacher.token);
    expect(otherList.body.items).toEqual([]);
    expect((await h.api.get(`/api/reviews?classId=${s.classB.id}`, sameSchoolTeacher.token)).status).toBe(404);

    const adminList = await h.api.get(`/api/reviews?classId=${s.classB.id}`, admin.token);
    expect(adminList.body.items.map((i: { versionId: string }) => i.versionId)).toEqual([s.versionId]);
    expect(adminList.body.classes.map((c: { classId: string }) => c.classId)).toEqual(expect.arrayContaining([s.classA.id, s.classB.id]));
    expect(adminList.body.classes).toHaveLength(3);
    const approve = await h.api.post(`/api/reviews/${s.versionId}/approve`, admin.token);
    expect(approve.status).toBe(200);
  });

  test('When two decisions arrive at once, then one wins and the other gets 409 REVIEW_TRANSITION_FORBIDDEN', async () => {
    const s = await wrongClassSubmission();
    const admin = await h.staff('school_admin', s.school.id);

    const [approve, ret] = await Promise.all([
      h.api.post(`/api/reviews/${s.versionId}/approve`, s.teacherB.token),
      h.api.post(`/api/reviews/${s.versionId}/return`, admin.token, { reasonPreset: '其他', reasonText: '请补充借读证明材料' }),
    ]);

    expect([approve.status, ret.status].sort()).toEqual([200, 409]);
    const loser = approve.status === 409 ? approve : ret;
    expect(loser.body.error.code).toBe('REVIEW_TRANSITION_FORBIDDEN');
    const [version] = await h.ctx.db.select().from(profileVersions).where(eq(profileVersions.id, s.versionId));
    const [student] = await h.ctx.db.select().from(students).where(eq(students.id, s.studentId));
    expect(student!.status).toBe(version!.status);
    expect(student!.cardNumber === null).toBe(version!.status === 'returned');
    const decisions = (await h.auditActions(s.versionId)).filter((a) => a === 'review.approved' || a === 'review.returned');
    expect(decisions).toHaveLength(1);
    expect(await h.notificationsOf(s.family.accountId)).toHaveLength(1);

    const again = await h.api.post(`/api/reviews/${s.versionId}/approve`, s.teacherB.token);
    expect(again.status).toBe(409);
  });

  test('When the return reason is missing or too long, then 400 names it; 其他 needs its text', async () => {
    const s = await wrongClassSubmission();
    const ret = (body: object) => h.api.post(`/api/reviews/${s.versionId}/return`, s.teacherB.token, body);

    const other = await ret({ reasonPreset: '其他' });
    const unknown = await ret({ reasonPreset: '不想通过' });
    const long = await ret({ reasonPreset: '其他', reasonText: '长'.repeat(201) });
    const presetTooLong = await ret({ reasonPreset: '身份证号有误', reasonText: '长'.repeat(195) });

    expect(other.status).toBe(400);
    expect(other.body.error.fields).toEqual({ 'body.reasonText': '请填写退回原因' });
    expect(Object.keys(unknown.body.error.fields)).toEqual(['body.reasonPreset']);
    expect(long.status).toBe(400);
    expect(presetTooLong.body.error.fields).toEqual({ 'body.reasonText': '退回原因应为 2–200 个字' });
    const [version] = await h.ctx.db.select().from(profileVersions).where(eq(profileVersions.id, s.versionId));
    expect(version!.status).toBe('pending_review');
  });
});

describe('an approved card during a key-field change', () => {
  test('When the changed version is returned, then the card of the earlier approval stays valid', async () => {
    const { school, klass, teacher } = await h.schoolWithClass();
    const family = await h.family();
    const studentId = (await h.api.post('/api/students', family.token)).body.id as string;
    const body = submissionBody({ school, klass });
    await registryFor(h, body, school, klass, { guardianPhones: [family.phone] });
    const first = await h.api.post(`/api/students/${studentId}/submissions`, family.token, body);
    await h.relayAndMatch(first.body.versionId);
    const before = (await h.api.get(`/api/students/${studentId}`, family.token)).body.card;

    const change = await h.api.post(`/api/students/${studentId}/submissions`, family.token, {
      ...body,
      personal: { ...body.personal, name: '改名字' },
    });
    await h.relayAndMatch(change.body.versionId);
    const returned = await h.api.post(`/api/reviews/${change.body.versionId}/return`, teacher.token, { reasonPreset: '姓名与学籍不一致' });

    expect(returned.status).toBe(200);
    expect(returned.body.cardNumber).toBe(before.number);
    const after = await h.api.get(`/api/students/${studentId}`, family.token);
    expect(after.body).toMatchObject({ status: 'returned', approvedVersionId: first.body.versionId, card: { number: before.number, valid: true } });
    // A real info change: the page names the card held before.
    const detail = await h.api.get(`/api/reviews/${change.body.versionId}`, teacher.token);
    expect(detail.body).toMatchObject({ cardNumber: before.number, submission: 2 });
    // What changed since the previous submission, and how that one ended.
    expect(detail.body.previous).toEqual({
      versionId: first.body.versionId,
      submission: 1,
      status: 'approved',
      statusLabel: '已认证',
      reviewReason: null,
      changes: [{ field: 'name', label: '姓名', before: body.personal.name, after: '改名字' }],
    });

    // Corrected again after the return: the teacher sees the earlier reason and what changed since.
    const again = await h.api.post(`/api/students/${studentId}/submissions`, family.token, { ...body, personal: { ...body.personal, name: '又改名' } });
    await h.relayAndMatch(again.body.versionId);
    const next = await h.api.get(`/api/reviews/${again.body.versionId}`, teacher.token);
    expect(next.body).toMatchObject({ submission: 3, previous: { status: 'returned', reviewReason: '姓名与学籍不一致', changes: [{ field: 'name', before: '改名字', after: '又改名' }] } });
  });
});

/** A school, its class (head teacher with a session), a school administrator, and a registry row naming `guardianPhones`. */
async function registryChild(guardianPhones: string[]) {
  const { school, klass, teacher } = await h.schoolWithClass();
  const admin = await h.staff('school_admin', school.id);
  const body = submissionBody({ school, klass });
  await registryFor(h, body, school, klass, { guardianPhones });
  return { school, klass, teacher, admin, body };
}

async function submitAndMatch(family: { token: string }, body: object) {
  const studentId = (await h.api.post('/api/students', family.token)).body.id as string;
  const res = await h.api.post(`/api/students/${studentId}/submissions`, family.token, body);
  expect(res.status).toBe(201);
  await h.relayAndMatch(res.body.versionId);
  return { studentId, versionId: res.body.versionId as string };
}

const masked = (phone: string) => `${phone.slice(0, 3)}****${phone.slice(-4)}`;

describe('guardian evidence (issue 12, attack 1)', () => {
  test('When a stranger submits the right name, ID, school, grade and class but not a guardian phone, then the head teacher reviews it with the evidence masked', async () => {
    const realFamily = await h.family();
    const c = await registryChild([realFamily.phone]);
    const stranger = await h.family();

    const claim = await submitAndMatch(stranger, c.body);

    const student = await h.api.get(`/api/students/${claim.studentId}`, stranger.token);
    expect(student.body).toMatchObject({ status: 'pending_review', card: null });
    const detail = await h.api.get(`/api/reviews/${claim.versionId}`, c.teacher.token);
    expect(detail.body).toMatchObject({
      status: 'pending_review',
      matchOutcome: 'guardian_mismatch',
      matchOutcomeLabel: '监护人手机号与学籍库不一致',
      actions: ['approve', 'return'],
      guardianEvidence: {
        outcome: 'mismatch',
        label: '监护人手机号与学籍库不一致',
        accountPhoneMasked: masked(stranger.phone),
        registryGuardians: [{ phoneMasked: masked(realFamily.phone), matchesAccount: false, nameMasked: expect.any(String) }],
      },
      dispute: null,
    });
    expect(detail.text).not.toContain(realFamily.phone);
    expect(detail.text).not.toContain(stranger.phone);
  });

  test('When the registry names the family account phone as a guardian, then the submission is approved at once with that evidence', async () => {
    const family = await h.family();
    const c = await registryChild(['13700000009', family.phone]);
    const claim = await submitAndMatch(family, c.body);
    const student = await h.api.get(`/api/students/${claim.studentId}`, family.token);
    expect(student.body).toMatchObject({ status: 'approved', card: { number: expect.stringMatching(/^JY/) } });
    const [version] = await h.ctx.db.select().from(profileVersions).where(eq(profileVersions.id, claim.versionId));
    expect(version).toMatchObject({ approvalEvidence: 'guardian_phone' });
  });

  test('When the registry names no guardian phone, then the head teacher reviews it (学籍库无监护人手机号)', async () => {
    const family = await h.family();
    const c = await registryChild([]);
    const claim = await submitAndMatch(family, c.body);
    const detail = await h.api.get(`/api/reviews/${claim.versionId}`, c.teacher.token);
    expect(detail.body).toMatchObject({
      status: 'pending_review',
      matchOutcomeLabel: '学籍库无监护人手机号',
      guardianEvidence: { outcome: 'registry_has_none', registryGuardians: [] },
    });
  });
});

describe('disputes (身份申诉)', () => {
  /** The stranger's claim approved anyway by the head teacher, then the real family's submission. */
  async function disputed() {
    const realFamily = await h.family();
    const c = await registryChild([realFamily.phone]);
    const stranger = await h.family();
    const strangerClaim = await submitAndMatch(stranger, c.body);
    const approve = await h.api.post(`/api/reviews/${strangerClaim.versionId}/approve`, c.teacher.token);
    expect(approve.status).toBe(200);
    const [approved] = await h.ctx.db.select().from(profileVersions).where(eq(profileVersions.id, strangerClaim.versionId));
    expect(approved).toMatchObject({ status: 'approved', approvalEvidence: 'teacher' });
    const strangerCard = approve.body.cardNumber as string;
    const realClaim = await submitAndMatch(realFamily, c.body);
    return { ...c, realFamily, stranger, strangerClaim, strangerCard, realClaim };
  }

  test('When the ID is approved under another account, then the real family submission becomes a dispute for the head teacher and the school admin, and the holder is told by WeChat and SMS at once', async () => {
    const d = await disputed();

    const [version] = await h.ctx.db.select().from(profileVersions).where(eq(profileVersions.id, d.realClaim.versionId));
    expect(version).toMatchObject({ status: 'disputed', assignedReviewerId: d.teacher.accountId });
    expect(await h.auditActions(d.realClaim.versionId)).toEqual(expect.arrayContaining(['profile.submitted', 'review.dispute_filed']));
    const holderNotices = (await h.notificationsOf(d.stranger.accountId)).filter((n) => n.kind === 'review.disputed');
    expect(holderNotices.map((n) => [(n.data as { phase: string }).phase, (n.data as { deliverOn: string }).deliverOn]).sort()).toEqual([
      ['filed', 'sms'],
      ['filed', 'wechat'],
    ]);
    expect((await h.notificationsOf(d.teacher.accountId)).map((n) => n.dedupKey)).toContain(`review.waiting:${d.realClaim.versionId}`);
    expect((await h.notificationsOf(d.admin.accountId)).map((n) => n.kind)).toContain('review.waiting');

    const list = await h.api.get('/api/reviews?status=disputed', d.teacher.token);
    expect(list.body.items.map((i: { versionId: string }) => i.versionId)).toEqual([d.realClaim.versionId]);
    expect(list.body.classes[0]).toMatchObject({ disputed: 1 });

    const detail = await h.api.get(`/api/reviews/${d.realClaim.versionId}`, d.teacher.token);
    expect(detail.body).toMatchObject({
      status: 'disputed',
      statusLabel: '身份申诉待处理',
      residentIdApprovedElsewhere: true,
      actions: ['keep', 'transfer'],
      dispute: {
        holder: {
          studentId: d.strangerClaim.studentId,
          cardNumber: d.strangerCard,
          approvalEvidence: 'teacher',
          guardianEvidence: { outcome: 'mismatch', accountPhoneMasked: masked(d.stranger.phone) },
        },
        claimant: {
          studentId: d.realClaim.studentId,
          guardianEvidence: { outcome: 'match', accountPhoneMasked: masked(d.realFamily.phone) },
        },
      },
    });
    expect(detail.text).not.toContain(d.stranger.phone);
    expect(detail.text).not.toContain(d.realFamily.phone);
    expect(detail.text).not.toContain(d.body.personal.residentId);
    const adminView = await h.api.get(`/api/reviews/${d.realClaim.versionId}`, d.admin.token);
    expect(adminView.status).toBe(200);

    // 通过 is not offered and does not work on a dispute.
    const approve = await h.api.post(`/api/reviews/${d.realClaim.versionId}/approve`, d.teacher.token);
    expect(approve.status).toBe(409);
  });

  test('When the teacher transfers the card, then the holder card is revoked, the claimant gets a valid card, both families are told, every step audited', async () => {
    const d = await disputed();

    const res = await h.api.post(`/api/reviews/${d.realClaim.versionId}/dispute`, d.teacher.token, { decision: 'transfer', note: '核实户口本' });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'approved', cardNumber: expect.stringMatching(/^JY/) });
    expect(res.body.cardNumber).not.toBe(d.strangerCard);
    const loser = await h.api.get(`/api/students/${d.strangerClaim.studentId}/ecard`, d.stranger.token);
    expect(loser.body).toMatchObject({ status: 'revoked', cardNumber: d.strangerCard });
    const winner = await h.api.get(`/api/students/${d.realClaim.studentId}/ecard`, d.realFamily.token);
    expect(winner.body).toMatchObject({ status: 'valid', cardNumber: res.body.cardNumber });
    const [holder] = await h.ctx.db.select().from(students).where(eq(students.id, d.strangerClaim.studentId));
    expect(holder).toMatchObject({ approvedVersionId: null, status: 'returned' });
    expect((await h.notificationsOf(d.stranger.accountId)).map((n) => [n.kind, (n.data as { phase?: string }).phase])).toEqual(
      expect.arrayContaining([['review.disputed', 'transferred']]),
    );
    expect((await h.notificationsOf(d.realFamily.accountId)).map((n) => n.kind)).toContain('review.approved');
    expect(await h.auditActions(d.realClaim.versionId)).toEqual(expect.arrayContaining(['review.approved', 'review.dispute_transferred']));
    expect(await h.auditActions(d.strangerClaim.versionId)).toEqual(expect.arrayContaining(['review.dispute_lost']));
    expect(await h.auditActions(d.strangerClaim.studentId)).toEqual(expect.arrayContaining(['ecard.revoked']));
    const again = await h.api.post(`/api/reviews/${d.realClaim.versionId}/dispute`, d.teacher.token, { decision: 'keep' });
    expect(again.status).toBe(409);
  });

  test('When the teacher keeps the card where it is, then the claim is returned and the holder card stays valid', async () => {
    const d = await disputed();

    const res = await h.api.post(`/api/reviews/${d.realClaim.versionId}/dispute`, d.teacher.token, { decision: 'keep' });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'returned', reviewReason: expect.stringContaining('保留在原账号') });
    const holder = await h.api.get(`/api/students/${d.strangerClaim.studentId}/ecard`, d.stranger.token);
    expect(holder.body).toMatchObject({ status: 'valid', cardNumber: d.strangerCard });
    const claimant = await h.api.get(`/api/students/${d.realClaim.studentId}`, d.realFamily.token);
    expect(claimant.body).toMatchObject({ status: 'returned', card: null });
    expect((await h.notificationsOf(d.realFamily.accountId)).map((n) => n.kind)).toContain('review.returned');
    expect((await h.notificationsOf(d.stranger.accountId)).map((n) => (n.data as { phase?: string }).phase)).toContain('kept');
    expect(await h.auditActions(d.realClaim.versionId)).toEqual(expect.arrayContaining(['review.dispute_kept']));
  });

  test('When the body is wrong, then 400 with the field; another class teacher gets 403; a pending version cannot take a dispute decision', async () => {
    const d = await disputed();
    const bad = await h.api.post(`/api/reviews/${d.realClaim.versionId}/dispute`, d.teacher.token, { decision: 'approve' });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields)).toEqual(['body.decision']);
    const extra = await h.api.post(`/api/reviews/${d.realClaim.versionId}/dispute`, d.teacher.token, { decision: 'keep', admin: true });
    expect(extra.status).toBe(400);
    const other = await h.staff('teacher', d.school.id);
    expect((await h.api.post(`/api/reviews/${d.realClaim.versionId}/dispute`, other.token, { decision: 'transfer' })).status).toBe(403);
    const [still] = await h.ctx.db.select().from(profileVersions).where(eq(profileVersions.id, d.realClaim.versionId));
    expect(still!.status).toBe('disputed');
  });
});

describe('a resident ID authenticated under another account', () => {
  test('When both families submit before either is approved, then one is approved and the other becomes a dispute, never offered 通过', async () => {
    const { school, klass, teacher } = await h.schoolWithClass();
    const a = await h.family();
    const b = await h.family();
    const aStudent = (await h.api.post('/api/students', a.token)).body.id as string;
    const bStudent = (await h.api.post('/api/students', b.token)).body.id as string;
    const body = submissionBody({ school, klass });
    await registryFor(h, body, school, klass, { guardianPhones: [a.phone, b.phone] });
    const aSub = await h.api.post(`/api/students/${aStudent}/submissions`, a.token, body);
    const bSub = await h.api.post(`/api/students/${bStudent}/submissions`, b.token, body);
    expect([aSub.status, bSub.status]).toEqual([201, 201]);

    await h.relayAndMatch(aSub.body.versionId);
    await h.relayAndMatch(bSub.body.versionId);

    // Usually A was matched first; another process's relay may have matched B first: take the one left over.
    const versions = await h.ctx.db
      .select()
      .from(profileVersions)
      .where(inArray(profileVersions.id, [aSub.body.versionId, bSub.body.versionId]));
    expect(versions.map((v) => v.status).sort()).toEqual(['approved', 'disputed']);
    const loser = versions.find((v) => v.status === 'disputed')!;
    expect(loser).toMatchObject({ matchOutcome: 'matched', assignedReviewerId: teacher.accountId });
    const detail = await h.api.get(`/api/reviews/${loser.id}`, teacher.token);
    expect(detail.body).toMatchObject({ residentIdApprovedElsewhere: true, actions: ['keep', 'transfer'] });
    expect(detail.body.actions).not.toContain('approve');
  });

  test('When a pending submission ID gets approved elsewhere meanwhile, then 通过 is not offered (only 退回)', async () => {
    const { school, klass, teacher } = await h.schoolWithClass();
    const a = await h.family();
    const b = await h.family();
    const body = submissionBody({ school, klass });
    await registryFor(h, body, school, klass, { guardianPhones: [a.phone] });
    const bClaim = await submitAndMatch(b, body); // b is no guardian: pending_review
    await submitAndMatch(a, body); // a is: approved
    const detail = await h.api.get(`/api/reviews/${bClaim.versionId}`, teacher.token);
    expect(detail.body).toMatchObject({ status: 'pending_review', residentIdApprovedElsewhere: true, actions: ['return'] });
  });
});
