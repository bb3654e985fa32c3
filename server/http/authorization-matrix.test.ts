/**
 * The authorization matrix (issue 8 §3): every route of the route table ×
 * every caller (anonymous, parent, student, teacher, head teacher, school admin
 * of this school and of another, operator) × ownership (own child / another
 * family's; own class / another class) → the expected status.
 *
 * The routes come from `allRoutes` (server/http/routes/index.ts, THE route
 * table): a route without an entry below fails the first test, by name, and an
 * entry for a route that no longer exists fails it too. Each cell sends a
 * request that is valid for the route (so what decides the answer is who
 * asks and what they ask about, not the input) with a fresh real session of
 * the caller; expectations name the error code where it tells access apart
 * from a business answer (e.g. `400:CURRENT_PASSWORD_WRONG`: the caller got
 * through to the use case).
 *
 * Cells whose success changes what other cells see (deciding a review) run in
 * a world of their own; the others share one world per route.
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { createApp } from './app';
import type { AnyRoute } from './route';
import { allRoutes } from './routes';
import { createHarness, randomIp, type Harness } from './routes/auth/auth-test-support';
import { childResidentId, adultResidentId, randomMobile } from './routes/students/profile-test-support';
import { randomPersonName, type BuiltSubmission } from '../test/factories';
import { recordFigures } from '../test/figures';
import { ACTORS, buildWorld, type Actor, type World } from '../test/world';

jest.setTimeout(120_000);

type Status = number | `${number}:${string}`;
type Cell = Status | readonly [own: Status, other: Status];

interface CellContext {
  world: World;
  actor: Actor;
  /** Own or other, when the route has an ownership dimension. */
  which: 'own' | 'other' | null;
  /** The student or version the cell is about, when the route is about one. */
  target?: BuiltSubmission;
}

interface Entry {
  /**
   * What "own" and "other" mean for this route: a family's student (S1 or S2 / S3), a pending
   * version of class A1 / A2, a notice to class A1 / A2, or class A1 / A2 named in the body.
   */
  ownership?: 'student' | 'version' | 'notice' | 'class' | 'school';
  /** A console route: staff callers sign in to the console (a console session, after the SMS second factor). */
  console?: true;
  expect: Record<Actor, Cell>;
  body?: (c: CellContext) => unknown;
  query?: string;
  /** Success cells change state other cells depend on: each gets a world of its own. */
  isolate?: boolean;
}

const all = (status: Status): Record<Actor, Cell> => Object.fromEntries(ACTORS.map((a) => [a, status])) as Record<Actor, Cell>;
const signedIn = (status: Status): Record<Actor, Cell> => ({ ...all(status), anonymous: '401:UNAUTHENTICATED' });
const STAFF_DENIED = '403:FORBIDDEN';
/** Routes for families only (roles parent, student), about one student. */
const familyStudent = (own: Status, other: Status = '404:NOT_FOUND'): Record<Actor, Cell> => ({
  anonymous: ['401:UNAUTHENTICATED', '401:UNAUTHENTICATED'],
  parent: [own, other],
  student: [own, other],
  teacher: [STAFF_DENIED, STAFF_DENIED],
  headTeacher: [STAFF_DENIED, STAFF_DENIED],
  schoolAdmin: [STAFF_DENIED, STAFF_DENIED],
  otherSchoolAdmin: [STAFF_DENIED, STAFF_DENIED],
  operator: [STAFF_DENIED, STAFF_DENIED],
});
/** Routes of the head teacher's review, about one pending version of class A1 (own) or A2 (other). */
const review = (ok: Status): Record<Actor, Cell> => ({
  anonymous: ['401:UNAUTHENTICATED', '401:UNAUTHENTICATED'],
  parent: [STAFF_DENIED, STAFF_DENIED],
  student: [STAFF_DENIED, STAFF_DENIED],
  // A teacher of the school who heads neither class, and a head teacher asking about another class: 403.
  teacher: [STAFF_DENIED, STAFF_DENIED],
  headTeacher: [ok, STAFF_DENIED],
  // A school administrator reviews every class of the school, and no class of another school (404: not revealed).
  schoolAdmin: [ok, ok],
  otherSchoolAdmin: ['404:NOT_FOUND', '404:NOT_FOUND'],
  operator: [STAFF_DENIED, STAFF_DENIED],
});
const FAMILY_ONLY_LIST: Record<Actor, Cell> = {
  anonymous: '401:UNAUTHENTICATED',
  parent: 200,
  student: 200,
  teacher: STAFF_DENIED,
  headTeacher: STAFF_DENIED,
  schoolAdmin: STAFF_DENIED,
  otherSchoolAdmin: STAFF_DENIED,
  operator: STAFF_DENIED,
};
/**
 * Console routes about one school: school A (own: the school admin's) or school B (other). A school admin sees
 * their own school only (another: 404, not revealed); an operator every school; nobody else the console (403).
 */
const consoleSchool = (ok: Status): Record<Actor, Cell> => ({
  anonymous: ['401:UNAUTHENTICATED', '401:UNAUTHENTICATED'],
  parent: [STAFF_DENIED, STAFF_DENIED],
  student: [STAFF_DENIED, STAFF_DENIED],
  teacher: [STAFF_DENIED, STAFF_DENIED],
  headTeacher: [STAFF_DENIED, STAFF_DENIED],
  schoolAdmin: [ok, '404:NOT_FOUND'],
  otherSchoolAdmin: ['404:NOT_FOUND', ok],
  operator: [ok, ok],
});
/** Console routes of the signed-in console account itself. */
const CONSOLE_SELF = (ok: Status): Record<Actor, Cell> => ({
  anonymous: '401:UNAUTHENTICATED',
  parent: STAFF_DENIED,
  student: STAFF_DENIED,
  teacher: STAFF_DENIED,
  headTeacher: STAFF_DENIED,
  schoolAdmin: ok,
  otherSchoolAdmin: ok,
  operator: ok,
});

/** Console routes of the card centre's operators: school admins are refused like every other role. */
const OPERATOR_ONLY = (ok: Status): Record<Actor, Cell> => ({
  anonymous: '401:UNAUTHENTICATED',
  parent: STAFF_DENIED,
  student: STAFF_DENIED,
  teacher: STAFF_DENIED,
  headTeacher: STAFF_DENIED,
  schoolAdmin: STAFF_DENIED,
  otherSchoolAdmin: STAFF_DENIED,
  operator: ok,
});
const SUPPORT_REASON = '家长来电核实身份';

/** Public routes are answered alike for everyone: an empty body reaches validation, never an access check. */
const PUBLIC_EMPTY_BODY = all('400:VALIDATION_FAILED');

function submissionFor(c: CellContext) {
  const t = c.target!;
  return {
    personal: { name: randomPersonName(), residentId: childResidentId() },
    school: { schoolId: t.school.id, grade: t.klass.grade, classId: t.klass.id },
    guardians: [{ name: randomPersonName(), relation: 'mother', residentId: adultResidentId(), phone: randomMobile(), address: '江苏省南京市玄武区测试路 1 号' }],
    consent: { agreed: true, policyVersion: '2026-09-01', guardianIndex: 0 },
  };
}

/**
 * THE matrix. Keys are `METHOD /path` of the route table. A new route needs
 * its row here before the suite passes: decide who may call it.
 */
const MATRIX: Record<string, Entry> = {
  // system
  'GET /api/health': { expect: all(200) },
  'GET /api/health/live': { expect: all(200) },
  'GET /api/health/ready': { expect: all(200) },
  'GET /api/app-config': { expect: all(200) },
  'GET /api/openapi.json': { expect: all(200) },
  'GET /api/dev/inbox': { expect: all(200) },

  // sign-in and accounts: public
  'GET /api/auth/captcha': { expect: all(200) },
  'POST /api/auth/sms-codes': { expect: PUBLIC_EMPTY_BODY },
  'POST /api/auth/register': { expect: PUBLIC_EMPTY_BODY },
  'POST /api/auth/login': { expect: PUBLIC_EMPTY_BODY },
  'POST /api/auth/wechat/login': { expect: PUBLIC_EMPTY_BODY },
  'POST /api/auth/wechat/phone': { expect: PUBLIC_EMPTY_BODY },
  'POST /api/auth/username-recovery': { expect: PUBLIC_EMPTY_BODY },
  'POST /api/auth/teacher-activation': { expect: PUBLIC_EMPTY_BODY },
  'POST /api/auth/password-reset/sms': { expect: PUBLIC_EMPTY_BODY },
  'POST /api/auth/recovery-requests': { expect: PUBLIC_EMPTY_BODY },
  'POST /api/auth/recovery-requests/complete': { expect: PUBLIC_EMPTY_BODY },
  'POST /api/auth/logout': { expect: signedIn(200) },

  // the signed-in account
  'GET /api/me': { expect: signedIn(200) },
  'POST /api/me/password': {
    expect: signedIn('400:CURRENT_PASSWORD_WRONG'),
    body: () => ({ currentPassword: 'Not-the-password-1', newPassword: 'Blue-river-43' }),
  },
  'POST /api/me/wechat': { expect: signedIn(200), body: () => ({ code: `dev:o${randomBytes(10).toString('hex')}` }) },
  // The world's families have a verified phone (their guardian evidence): a code is sent, and a made-up code is
  // refused; its staff accounts have none: reaching the use case answers PHONE_NOT_BOUND.
  'POST /api/me/phone/code': { expect: { ...signedIn('409:PHONE_NOT_BOUND'), parent: 200, student: 200 } },
  'POST /api/me/phone': {
    expect: { ...signedIn('409:PHONE_NOT_BOUND'), parent: '400:SMS_CODE_INVALID', student: '400:SMS_CODE_INVALID' },
    body: () => ({ oldSmsCode: '000000', newPhone: randomMobile(), newSmsCode: '000000' }),
  },
  'POST /api/me/recovery-requests/cancel': { expect: signedIn(200) },
  // 我的数据 and 注销账号: any account reads its own copy; only families cancel (staff accounts are ended by their school).
  'GET /api/me/data-export': { expect: signedIn(200) },
  'POST /api/me/cancellation/code': { expect: { ...signedIn('403:FORBIDDEN'), parent: 200, student: 200 } },
  'POST /api/me/cancellation': {
    expect: { ...signedIn('403:FORBIDDEN'), parent: '400:CURRENT_PASSWORD_WRONG', student: '400:CURRENT_PASSWORD_WRONG' },
    body: () => ({ password: 'Not-the-password-1', smsCode: '000000' }),
  },

  // manual account recovery (人工找回) as the staff decide it (operators: any, from the hotline look-up); a request out of scope and an unknown one are alike 404
  'GET /api/recovery-requests': {
    expect: { anonymous: '401:UNAUTHENTICATED', parent: STAFF_DENIED, student: STAFF_DENIED, teacher: 200, headTeacher: 200, schoolAdmin: 200, otherSchoolAdmin: 200, operator: 200 },
  },
  'POST /api/recovery-requests/:requestId/approve': {
    expect: { ...signedIn('404:RECOVERY_NOT_FOUND'), parent: STAFF_DENIED, student: STAFF_DENIED },
  },
  'POST /api/recovery-requests/:requestId/reject': {
    expect: { ...signedIn('404:RECOVERY_NOT_FOUND'), parent: STAFF_DENIED, student: STAFF_DENIED },
    body: () => ({ reason: '无法核实身份' }),
  },

  // schools and classes (pickers of the form)
  'GET /api/schools': { expect: signedIn(200) },
  'GET /api/schools/:schoolId/classes': { expect: signedIn(200) },

  // a family's students
  'GET /api/students': { expect: FAMILY_ONLY_LIST },
  'POST /api/students': {
    // A parent adds a child; a student account already holds itself.
    expect: { ...FAMILY_ONLY_LIST, parent: 201, student: '409:STUDENT_ACCOUNT_SINGLE' },
  },
  'GET /api/students/:studentId': { ownership: 'student', expect: familyStudent(200) },
  'PUT /api/students/:studentId/draft': { ownership: 'student', expect: familyStudent(200), body: () => ({}) },
  'GET /api/students/:studentId/draft': { ownership: 'student', expect: familyStudent(200) },
  'POST /api/students/:studentId/submissions': { ownership: 'student', expect: familyStudent(201), body: submissionFor },
  'PATCH /api/students/:studentId/contact': {
    ownership: 'student',
    expect: familyStudent(200),
    body: () => ({ personal: { email: `p${randomBytes(3).toString('hex')}@example.com` } }),
  },
  // The world's student was submitted: it cannot be deleted (409) by its family; the others get what they get elsewhere.
  'DELETE /api/students/:studentId': { ownership: 'student', expect: familyStudent('409:CONFLICT') },
  // Evidence for a return asking for a document: the world's students have no open return (409 = through to the use case).
  'GET /api/students/:studentId/attachments': { ownership: 'student', expect: familyStudent(200) },
  'POST /api/students/:studentId/attachments': { ownership: 'student', query: 'fileName=proof.jpg', expect: familyStudent('409:ATTACHMENT_NOT_REQUESTED') },
  'DELETE /api/students/:studentId/attachments/:attachmentId': { ownership: 'student', expect: familyStudent('404:NOT_FOUND') },
  // The world's student has no change to withdraw: its own family gets 409, everyone else what they get elsewhere.
  'POST /api/students/:studentId/change/withdraw': { ownership: 'student', expect: familyStudent('409:CONFLICT') },
  'GET /api/students/:studentId/ecard': {
    ownership: 'student',
    // Any signed-in account may ask; only the student's own family gets an answer (404 for everyone else).
    expect: {
      ...familyStudent(200),
      teacher: ['404:NOT_FOUND', '404:NOT_FOUND'],
      headTeacher: ['404:NOT_FOUND', '404:NOT_FOUND'],
      schoolAdmin: ['404:NOT_FOUND', '404:NOT_FOUND'],
      otherSchoolAdmin: ['404:NOT_FOUND', '404:NOT_FOUND'],
      operator: ['404:NOT_FOUND', '404:NOT_FOUND'],
    },
  },
  'GET /api/students/:studentId/comm-card': { ownership: 'student', expect: familyStudent(200) },
  'POST /api/students/:studentId/comm-card/bind': {
    ownership: 'student',
    expect: familyStudent('400:SMS_CODE_INVALID'),
    body: () => ({ cardNumber: `8986${String(Date.now()).padStart(15, '0').slice(-15)}`, phone: randomMobile(), smsCode: '000000' }),
  },
  'DELETE /api/students/:studentId/comm-card/binding': { ownership: 'student', expect: familyStudent(200) },
  'POST /api/students/:studentId/comm-card/orders': {
    ownership: 'student',
    // The family reached the use case: the account has no mini-program openid to pay with.
    expect: familyStudent('400:WECHAT_NOT_BOUND'),
    body: () => ({ productId: 'comm-card-basic' }),
  },
  'GET /api/comm-card/products': { expect: all(200) },

  // electronic card
  'GET /api/ecard/public-key': { expect: all(200) },
  'POST /api/ecard/verify': {
    // Staff of any school verify a card at a gate (details only for the card's own school); families may not.
    expect: { ...signedIn(200), parent: STAFF_DENIED, student: STAFF_DENIED },
    body: () => ({ token: 'not-a-card-token' }),
  },
  'POST /api/students/:studentId/ecard/revocation': {
    ownership: 'student',
    // S1 and S3 are both of school A: its admin and the operator revoke either; another school's admin learns nothing (404).
    expect: {
      ...familyStudent(STAFF_DENIED, STAFF_DENIED),
      schoolAdmin: [200, 200],
      otherSchoolAdmin: ['404:NOT_FOUND', '404:NOT_FOUND'],
      operator: [200, 200],
    },
    isolate: true,
    body: () => ({ reason: '学生已转学' }),
  },
  'POST /api/students/:studentId/ecard/reissue': {
    ownership: 'student',
    // The callers allowed reach the use case: the card is valid, nothing to reissue.
    expect: {
      ...familyStudent(STAFF_DENIED, STAFF_DENIED),
      schoolAdmin: ['409:ECARD_NOT_REVOKED', '409:ECARD_NOT_REVOKED'],
      otherSchoolAdmin: ['404:NOT_FOUND', '404:NOT_FOUND'],
      operator: ['409:ECARD_NOT_REVOKED', '409:ECARD_NOT_REVOKED'],
    },
    body: () => ({ reason: '补发新卡' }),
  },

  // the head teacher's review
  'GET /api/reviews': {
    expect: { anonymous: '401:UNAUTHENTICATED', parent: STAFF_DENIED, student: STAFF_DENIED, teacher: 200, headTeacher: 200, schoolAdmin: 200, otherSchoolAdmin: 200, operator: STAFF_DENIED },
  },
  'GET /api/reviews/:versionId': { ownership: 'version', expect: review(200) },
  'GET /api/reviews/:versionId/attachments': { ownership: 'version', expect: review(200) },
  // An attachment that is not the version's: 404 for whoever may review the version (the route test downloads real ones).
  'GET /api/reviews/:versionId/attachments/:attachmentId': { ownership: 'version', expect: review('404:NOT_FOUND') },
  'POST /api/reviews/:versionId/approve': { ownership: 'version', expect: review(200), isolate: true },
  'POST /api/reviews/:versionId/return': {
    ownership: 'version',
    expect: review(200),
    isolate: true,
    body: () => ({ reasonPreset: '姓名与学籍不一致' }),
  },
  // A dispute decision on a version that is not disputed: the reviewer reached the state machine (409), nobody else.
  'POST /api/reviews/:versionId/dispute': {
    ownership: 'version',
    expect: review('409:REVIEW_TRANSITION_FORBIDDEN'),
    body: () => ({ decision: 'keep' }),
  },

  // class notices and homework (公告作业)
  'GET /api/notices/classes': { expect: { ...signedIn(200), parent: STAFF_DENIED, student: STAFF_DENIED, operator: STAFF_DENIED } },
  'POST /api/notices': {
    ownership: 'class',
    expect: {
      ...familyStudent(STAFF_DENIED, STAFF_DENIED),
      parent: [STAFF_DENIED, STAFF_DENIED],
      student: [STAFF_DENIED, STAFF_DENIED],
      teacher: [STAFF_DENIED, STAFF_DENIED],
      headTeacher: [201, STAFF_DENIED],
      schoolAdmin: [201, 201],
      otherSchoolAdmin: [STAFF_DENIED, STAFF_DENIED],
    },
    body: (c) => ({ type: '通知', title: '春游通知', body: '下周三春游，请带好水和午餐。', classIds: [c.which === 'own' ? c.world.classA1.id : c.world.classA2.id], dueDate: null }),
  },
  'GET /api/notices/sent': { expect: { ...signedIn(200), parent: STAFF_DENIED, student: STAFF_DENIED, operator: STAFF_DENIED } },
  'GET /api/notices/mine': { expect: FAMILY_ONLY_LIST },
  'GET /api/notices/:id': {
    ownership: 'notice',
    expect: {
      anonymous: ['401:UNAUTHENTICATED', '401:UNAUTHENTICATED'],
      // Families: a notice addressed to them (their child's class) or 404.
      parent: [200, '404:NOT_FOUND'],
      student: [200, '404:NOT_FOUND'],
      // Staff: the author and the school's administrators; another teacher of the school 403, another school 404.
      teacher: [STAFF_DENIED, STAFF_DENIED],
      headTeacher: [200, STAFF_DENIED],
      schoolAdmin: [200, 200],
      otherSchoolAdmin: ['404:NOT_FOUND', '404:NOT_FOUND'],
      operator: ['404:NOT_FOUND', '404:NOT_FOUND'],
    },
  },
  'POST /api/notices/:id/confirm': { ownership: 'notice', expect: familyStudent(200) },
  'GET /api/notices/:id/receipts': {
    ownership: 'notice',
    expect: { ...review(200) },
  },
  'POST /api/notices/:id/remind': {
    ownership: 'notice',
    // The author only (the school administrator reads receipts but does not remind in a teacher's name).
    expect: { ...review(202), schoolAdmin: [STAFF_DENIED, STAFF_DENIED] },
    isolate: true,
  },

  // Changing a published notice: its author only, within the edit window (the school administrator does not speak in a teacher's name).
  'PATCH /api/notices/:id': { ownership: 'notice', expect: { ...review(200), schoolAdmin: [STAFF_DENIED, STAFF_DENIED] }, body: () => ({ title: '春游通知（更正）' }), isolate: true },
  'POST /api/notices/:id/withdraw': { ownership: 'notice', expect: { ...review(200), schoolAdmin: [STAFF_DENIED, STAFF_DENIED] }, isolate: true },
  // The `{}` body is no image: through to the upload guard.
  'POST /api/notices/:id/attachments': {
    ownership: 'notice',
    query: 'fileName=map.png',
    expect: { ...review('400:FILE_TYPE_NOT_ALLOWED'), schoolAdmin: [STAFF_DENIED, STAFF_DENIED] },
  },
  // Whoever may open the notice gets through to the attachment (here one that does not exist: 404).
  'GET /api/notices/:id/attachments/:attachmentId': {
    ownership: 'notice',
    expect: {
      anonymous: ['401:UNAUTHENTICATED', '401:UNAUTHENTICATED'],
      parent: ['404:NOT_FOUND', '404:NOT_FOUND'],
      student: ['404:NOT_FOUND', '404:NOT_FOUND'],
      teacher: [STAFF_DENIED, STAFF_DENIED],
      headTeacher: ['404:NOT_FOUND', STAFF_DENIED],
      schoolAdmin: ['404:NOT_FOUND', '404:NOT_FOUND'],
      otherSchoolAdmin: ['404:NOT_FOUND', '404:NOT_FOUND'],
      operator: ['404:NOT_FOUND', '404:NOT_FOUND'],
    },
  },

  // subscribe-message grants (wx.requestSubscribeMessage results)
  'GET /api/subscriptions': { expect: signedIn(200) },
  'POST /api/subscriptions': { expect: signedIn(200), body: () => ({ results: { 'dev-sub-notice': 'accept', errMsg: 'requestSubscribeMessage:ok' } }) },

  // WeChat Pay calls this, signed; anyone else is refused by the signature check, never by a session.
  'POST /api/payments/wechatpay/notify': { expect: all(401) },
  // The official account's message push, signed with its push Token: unsigned requests are refused whoever sends them.
  'GET /api/wechat/oa/events': { expect: all(401) },
  'POST /api/wechat/oa/events': { expect: all(401) },

  // the console (school admins and operators, console sessions only)
  'POST /api/console/auth/login': { expect: PUBLIC_EMPTY_BODY },
  'POST /api/console/auth/verify': { expect: PUBLIC_EMPTY_BODY },
  'GET /api/console/me': { console: true, expect: CONSOLE_SELF(200) },
  'POST /api/console/auth/password': {
    console: true,
    expect: CONSOLE_SELF('400:CURRENT_PASSWORD_WRONG'),
    body: () => ({ currentPassword: 'Not-the-password-1', newPassword: 'Blue-river-43' }),
  },
  'POST /api/console/auth/logout': { console: true, expect: CONSOLE_SELF(200) },
  'GET /api/console/schools': { console: true, expect: CONSOLE_SELF(200) },
  'GET /api/console/schools/:schoolId/funnel': { console: true, ownership: 'school', expect: consoleSchool(200) },
  'GET /api/console/schools/:schoolId/classes': { console: true, ownership: 'school', expect: consoleSchool(200) },
  'GET /api/console/schools/:schoolId/teachers': { console: true, ownership: 'school', expect: consoleSchool(200) },
  // Registry imports by upload: the `{}` body is a two-byte text file, stored and queued (a dry run); an unknown import is 404.
  'POST /api/console/registry-imports': { console: true, query: 'fileName=registry.csv&dryRun=true', expect: OPERATOR_ONLY(201) },
  'GET /api/console/registry-imports': { console: true, expect: OPERATOR_ONLY(200) },
  'GET /api/console/registry-imports/:importId': { console: true, expect: OPERATOR_ONLY('404:NOT_FOUND') },
  'GET /api/console/registry-imports/:importId/report': { console: true, expect: OPERATOR_ONLY('404:NOT_FOUND') },
  'PUT /api/console/schools/:schoolId/classes/:classId/head-teacher': {
    console: true,
    ownership: 'school',
    // The class of the school asked about, and a teacher of it: its current head teacher again (nothing moves).
    expect: consoleSchool(200),
    body: (c) => ({ teacherId: c.which === 'other' ? c.world.accounts.otherSchoolTeacher.id : c.world.accounts.headTeacher.id }),
  },
  // the school administration pages (school A own, school B other; teachers: `teacher` of A, `otherSchoolTeacher` of B)
  'POST /api/console/schools/:schoolId/teachers': {
    console: true,
    ownership: 'school',
    expect: consoleSchool(200),
    isolate: true,
    body: () => ({ name: randomPersonName(), phone: randomMobile(), residentId: adultResidentId(), classes: '四年级9班' }),
  },
  'POST /api/console/schools/:schoolId/teachers/import': {
    console: true,
    ownership: 'school',
    expect: consoleSchool(200),
    body: (c) => {
      const school = c.which === 'other' ? c.world.schoolB : c.world.schoolA;
      const csv = `姓名,手机号,身份证号,学校标识码,学校名称,任教班级\r\n${randomPersonName()},${randomMobile()},${adultResidentId()},${school.code},${school.name},四年级9班\r\n`;
      return { fileName: '教师名单.csv', contentBase64: Buffer.from(csv).toString('base64'), dryRun: true };
    },
  },
  'POST /api/console/schools/:schoolId/teachers/:teacherId/disable': { console: true, ownership: 'school', expect: consoleSchool(200), isolate: true },
  // The teachers of the world are active already: the scope is checked before the state.
  'POST /api/console/schools/:schoolId/teachers/:teacherId/activation-sms': { console: true, ownership: 'school', expect: consoleSchool('409:CONFLICT') },
  'GET /api/console/schools/:schoolId/classes/:classId/students': { console: true, ownership: 'school', expect: consoleSchool(200) },
  'GET /api/console/schools/:schoolId/classes/:classId/export.xlsx': { console: true, ownership: 'school', expect: consoleSchool(200) },
  'GET /api/console/schools/:schoolId/activity': { console: true, ownership: 'school', expect: consoleSchool(200) },
  'GET /api/console/stranded-reviews': { console: true, expect: { ...CONSOLE_SELF(200), schoolAdmin: STAFF_DENIED, otherSchoolAdmin: STAFF_DENIED } },
  // the card centre's operators (support look-up, audit log, province overview, pages outside the SPA)
  'GET /api/console/support/search': { console: true, expect: OPERATOR_ONLY(200), query: 'kind=username&q=nobody_here_at_all' },
  'GET /api/console/support/families/:accountId': { console: true, expect: OPERATOR_ONLY(200) },
  'POST /api/console/support/reveal': {
    console: true,
    expect: OPERATOR_ONLY(200),
    body: (c) => ({ field: 'accountPhone', subjectId: c.world.accounts.parent.id, reason: SUPPORT_REASON }),
  },
  'POST /api/console/support/accounts/:accountId/unlock': { console: true, expect: OPERATOR_ONLY(200), body: () => ({ reason: SUPPORT_REASON }) },
  'POST /api/console/support/orders/:outTradeNo/refund': { console: true, expect: OPERATOR_ONLY('404:ORDER_NOT_FOUND'), body: () => ({ reason: SUPPORT_REASON }) },
  'GET /api/console/audit': { console: true, expect: OPERATOR_ONLY(200), query: 'action=console.' },
  'GET /api/console/overview': { console: true, expect: OPERATOR_ONLY(200) },
  'PUT /api/console/schools/:schoolId/region': {
    console: true,
    expect: OPERATOR_ONLY(200),
    body: () => ({ cityCode: '320100', cityName: '南京市', districtCode: '320102', districtName: '玄武区' }),
  },
  'POST /api/console/staff-pages-session': { console: true, expect: OPERATOR_ONLY(200) },
  'GET /api/console/staff': { console: true, expect: OPERATOR_ONLY(200), query: 'role=operator' },
  'POST /api/console/staff': {
    console: true,
    expect: OPERATOR_ONLY(201),
    body: (c) => ({ role: 'school_admin', schoolId: c.world.schoolA.id, username: `sa_${randomBytes(4).toString('hex')}`, displayName: '测试管理员', phone: randomMobile() }),
  },
  // A staff account nobody asked about: the parent's account is not one (404), so nothing changes for other cells.
  'POST /api/console/staff/:accountId/password-reset': { console: true, expect: OPERATOR_ONLY('404:NOT_FOUND') },
  'POST /api/console/orders/:outTradeNo/shipping': { console: true, expect: OPERATOR_ONLY('404:ORDER_NOT_FOUND'), body: () => ({ carrier: 'SF', trackingNo: 'SF1234567890' }) },
  'PUT /api/console/staff/:accountId/status': { console: true, expect: OPERATOR_ONLY('404:NOT_FOUND'), body: () => ({ status: 'disabled', reason: SUPPORT_REASON }) },
};

const keyOf = (route: AnyRoute) => `${route.method.toUpperCase()} ${route.path}`;

let h: Harness;
let app: ReturnType<ReturnType<typeof createApp>['callback']>;
let cells = 0;
let routesChecked = 0;

beforeAll(async () => {
  h = await createHarness();
  app = createApp(h.ctx).callback();
});

afterAll(async () => {
  recordFigures('authorization matrix', { routes: routesChecked, cells, actors: ACTORS.length });
  // eslint-disable-next-line no-console
  console.log(`authorization matrix: ${routesChecked} routes × ${ACTORS.length} callers (× own/other where it applies) = ${cells} cells checked`);
  await h?.close();
});

function targetOf(entry: Entry, world: World, actor: Actor, which: 'own' | 'other'): BuiltSubmission | undefined {
  if (entry.ownership === 'student') {
    if (which === 'other') return world.students.otherFamilyChild;
    return actor === 'student' ? world.students.studentSelf : world.students.parentChild;
  }
  if (entry.ownership === 'version') return which === 'own' ? world.versions.ownClass : world.versions.otherClass;
  return undefined;
}

function noticeOf(entry: Entry, world: World, which: 'own' | 'other' | null): string {
  if (entry.ownership !== 'notice' || !which) return 'missing-target';
  return which === 'own' ? world.notices.ownClass : world.notices.otherClass;
}

function pathOf(route: AnyRoute, entry: Entry, world: World, target: BuiltSubmission | undefined, which: 'own' | 'other' | null): string {
  return route.path
    .replace(':id', noticeOf(entry, world, which))
    .replace(':studentId', target?.student.id ?? 'missing-target')
    .replace(':versionId', target?.version.id ?? 'missing-target')
    .replace(':schoolId', entry.ownership === 'school' && which === 'other' ? world.schoolB.id : world.schoolA.id)
    .replace(':classId', entry.ownership === 'school' && which === 'other' ? world.classB1.id : world.classA1.id)
    .replace(':teacherId', entry.ownership === 'school' && which === 'other' ? world.accounts.otherSchoolTeacher.id : world.accounts.teacher.id)
    // Recovery requests: scope is checked by the route test (issue12-accounts.test.ts); here a request that is nobody's.
    .replace(':requestId', '00000000-0000-4000-8000-000000000000')
    // Support look-ups: the parent's account; an order number nobody has.
    .replace(':accountId', world.accounts.parent.id)
    .replace(':outTradeNo', 'EC20260101NOSUCHORDER00000')
    // Registry imports: scope is the role alone; the route test (registry-imports.test.ts) covers real imports.
    .replace(':importId', '00000000-0000-4000-8000-000000000000')
    .replace(':attachmentId', '00000000-0000-4000-8000-000000000000');
}

async function runCell(route: AnyRoute, entry: Entry, world: World, actor: Actor, which: 'own' | 'other' | null): Promise<string> {
  const target = which ? targetOf(entry, world, actor, which) : undefined;
  const token = await world.token(actor, entry.console ? 'console' : 'h5');
  const path = pathOf(route, entry, world, target, which) + (entry.query ? `?${entry.query}` : '');
  let test = request(app)[route.method](path).set('X-Forwarded-For', randomIp());
  if (token) test = test.set('Authorization', `Bearer ${token}`);
  const body = entry.body?.({ world, actor, which, ...(target ? { target } : {}) });
  const res = route.method === 'get' || route.method === 'delete' ? await test : await test.send((body ?? {}) as object);
  const code = (res.body as { error?: { code?: string } } | undefined)?.error?.code;
  return code ? `${res.status}:${code}` : String(res.status);
}

/** Compare an expected cell with what came back: a bare number matches any code of that status. */
function matches(expected: Status, actual: string): boolean {
  return typeof expected === 'number' ? actual.split(':')[0] === String(expected) : actual === expected;
}

const isSuccess = (s: Status) => Number(String(s).split(':')[0]) < 300;

describe('the authorization matrix', () => {
  test('When a route is in the route table, then the matrix has its row (and every row names a route)', () => {
    const routeKeys = allRoutes.map(keyOf);
    const missing = routeKeys.filter((k) => !(k in MATRIX));
    const stale = Object.keys(MATRIX).filter((k) => !routeKeys.includes(k));
    expect({ missingMatrixEntries: missing, entriesWithoutRoute: stale }).toEqual({ missingMatrixEntries: [], entriesWithoutRoute: [] });
  });

  test.each(allRoutes.map((route) => [keyOf(route), route] as const))('%s answers each caller as the matrix says', async (key, route) => {
    const entry = MATRIX[key];
    if (!entry) throw new Error(`no authorization matrix entry for ${key}: add one to server/http/authorization-matrix.test.ts`);
    routesChecked += 1;
    const shared = await buildWorld(h.ctx);
    const expected: Record<string, Status> = {};
    const actual: Record<string, string> = {};
    const jobs: Promise<void>[] = [];
    for (const actor of ACTORS) {
      const cell = entry.expect[actor];
      const variants: [('own' | 'other') | null, Status][] =
        entry.ownership && Array.isArray(cell) ? [['own', cell[0]], ['other', cell[1]]] : [[null, cell as Status]];
      if (entry.ownership && !Array.isArray(cell)) throw new Error(`${key}: ${actor} needs [own, other]`);
      for (const [which, status] of variants) {
        const label = which ? `${actor}/${which}` : actor;
        expected[label] = status;
        jobs.push(
          (async () => {
            const world = entry.isolate && isSuccess(status) ? await buildWorld(h.ctx) : shared;
            actual[label] = await runCell(route, entry, world, actor, which);
          })(),
        );
      }
    }
    await Promise.all(jobs);
    cells += Object.keys(expected).length;
    const mismatches = Object.keys(expected)
      .filter((label) => !matches(expected[label]!, actual[label]!))
      .map((label) => ({ cell: label, expected: expected[label], actual: actual[label] }));
    expect(mismatches).toEqual([]);
  });
});

describe('console routes need a console session', () => {
  const consoleRoutes = allRoutes.filter((route) => typeof route.access === 'object' && route.access.console);

  test('When the console has routes, then each is in this check', () => {
    expect(consoleRoutes.length).toBeGreaterThanOrEqual(8);
  });

  test.each(consoleRoutes.map((route) => [keyOf(route), route] as const))(
    '%s refuses a school admin and an operator signed in to the apps (no SMS second factor): 403 CONSOLE_SESSION_REQUIRED (a role the route is not for: FORBIDDEN)',
    async (key, route) => {
      const world = await buildWorld(h.ctx);
      const entry = MATRIX[key]!;
      const roles = (route.access as { roles: readonly string[] }).roles;
      const expected = (['school_admin', 'operator'] as const).map((role) => (roles.includes(role) ? '403:CONSOLE_SESSION_REQUIRED' : '403:FORBIDDEN'));
      const answers: string[] = [];
      for (const actor of ['schoolAdmin', 'operator'] as const) {
        const token = await world.token(actor, 'h5');
        const path = pathOf(route, entry, world, undefined, entry.ownership ? 'own' : null);
        const test = request(app)[route.method](path).set('X-Forwarded-For', randomIp()).set('Authorization', `Bearer ${token}`);
        const body = entry.body?.({ world, actor, which: entry.ownership ? 'own' : null });
        const res = route.method === 'get' || route.method === 'delete' ? await test : await test.send((body ?? {}) as object);
        answers.push(`${res.status}:${(res.body as { error?: { code?: string } }).error?.code ?? ''}`);
      }
      expect(answers).toEqual(expected);
    },
  );
});
