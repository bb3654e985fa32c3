import fs from 'node:fs';
import { expect, test, type APIRequestContext, type Locator, type Page } from '@playwright/test';
import { digits, expectRoute, fill, mobile, press, randomName, residentIdOfAge, shot as shotInto, signInWithPassword, smsCode, storedSessionToken, visible, watchProblems } from './support/helpers';
import { activateTeacher, importSchool, newChild, newSchool, type Child } from './support/world';

/**
 * The identity authentication flow in the H5 build against the real system
 * (API, registry-match worker, outbox relay, PostgreSQL educard_e2e, Redis):
 *
 * 1. a parent registers, adds a student and submits a profile that matches the
 *    registry → sees 已通过 and a card number within seconds;
 * 2. a parent submits with the wrong class → the head teacher opens the review
 *    from the development inbox's notification, sees the class flagged, returns
 *    it with a reason → the parent reads the reason, corrects the class,
 *    resubmits → approved.
 *
 * The demo seed does not run under NODE_ENV=test, so the test creates its own
 * school, registry rows and head teacher with the operators' command-line tools
 * (registry:import, teachers:import) on generated files, unique per run.
 */

const SHOTS = 'test-results/profiles';
const shot = (page: Page, name: string) => shotInto(page, SHOTS, name);
/** GB/T 2260 code of 北京市, where the school is: the children's and guardians' IDs are issued there. */
const BEIJING = '11';

/** A parent registers in the UI (home → 注册账号) and lands on 我的. */
async function registerParent(page: Page, request: APIRequestContext, options: { shots?: boolean; phone?: string | null } = {}) {
  // The registry's guardian phone of the child to be submitted: the evidence of the automatic approval.
  const phone = options.phone ?? mobile();
  const username = `pa${digits(9)}`;
  const password = `Card-${digits(6)}a`;
  await page.goto('/');
  await press(page, 'home-register');
  await expectRoute(page, 'register/index');
  await visible(page, '.identity-parent').click();
  await fill(page, 'phone', phone);
  const sentAt = Date.now();
  await press(page, 'send-code');
  await fill(page, 'smsCode', await smsCode(request, phone, sentAt));
  await fill(page, 'username', username);
  await fill(page, 'password', password);
  await fill(page, 'confirmPassword', password);
  await visible(page, '.agreement__checkbox').click();
  await press(page, 'register');
  await expectRoute(page, 'mine/index');
  await expect(visible(page, '[data-testid=mine-role]')).toHaveText('家长');
  if (options.shots) await shot(page, '01-mine-family-entry');
  return { phone, username, password };
}

async function pickOption(page: Page, picker: string, option: Locator | string): Promise<void> {
  await visible(page, `[data-testid=picker-${picker}]`).click();
  const target = typeof option === 'string' ? visible(page, `[data-testid=option-${option}]`) : option;
  await target.click();
  await expect(page.locator('.option-sheet').filter({ visible: true })).toHaveCount(0);
}

interface ProfileInput {
  child: Child;
  schoolName: string;
  className: string;
  guardian: { name: string; residentId: string; phone: string };
}

/** Fills the three sections of 填写信息. */
async function fillProfile(page: Page, input: ProfileInput, options: { shots?: boolean } = {}): Promise<void> {
  await fill(page, 'personal-name', input.child.name);
  await fill(page, 'personal-residentId', input.child.residentId);

  // School: search by name in the sheet, then grade, then class.
  await visible(page, '[data-testid=picker-school]').click();
  await visible(page, '.input-school-search input').fill(input.schoolName);
  const schoolOption = visible(page, '.option-sheet__item').filter({ hasText: input.schoolName });
  await expect(schoolOption).toHaveCount(1, { timeout: 10_000 });
  if (options.shots) await shot(page, '04-form-school-search');
  await schoolOption.click();
  await expect(visible(page, '.picker-school .picker-field__value')).toHaveText(input.schoolName);
  await pickOption(page, 'grade', 'P3');
  await visible(page, '[data-testid=picker-class]').click();
  if (options.shots) await shot(page, '05-form-class-sheet');
  await visible(page, '.option-sheet__item').filter({ hasText: new RegExp(`^${input.className}$`) }).click();
  await expect(visible(page, '.picker-class .picker-field__value')).toHaveText(input.className);

  await fill(page, 'guardians-0-name', input.guardian.name);
  await pickOption(page, 'guardians-0-relation', 'mother');
  await fill(page, 'guardians-0-residentId', input.guardian.residentId);
  await fill(page, 'guardians-0-phone', input.guardian.phone);
  await fill(page, 'guardians-0-address', '北京市海淀区中关村南大街 5 号 <b>3</b> 单元');

  // Under 14: the guardian consent appears (computed from the ID) and must be given.
  await expect(visible(page, '[data-testid=consent]')).toBeVisible();
  await visible(page, '.checkbox-consent').click();
}

const school = newSchool('东城区实验小学');
const childMatch = newChild(BEIJING);
const childWrongClass = newChild(BEIJING);
/** The head teacher of 三年级2班, with the credentials chosen at activation. */
let teacher: { username: string; password: string };

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ request }) => {
  test.setTimeout(150_000);
  fs.mkdirSync(SHOTS, { recursive: true });
  // The registry (学籍库): one child in 三年级2班, the other in 三年级1班, and a classmate in each; the head teacher of 三年级2班.
  const imported = await importSchool(school, '2班', [
    { child: childMatch, className: '2班' },
    { child: childWrongClass, className: '1班' },
    { child: newChild(BEIJING), className: '1班' },
    { child: newChild(BEIJING), className: '2班' },
  ]);
  // The teacher activates the account (SMS code from the development inbox).
  teacher = await activateTeacher(request, imported);
});

test('a profile that matches the registry is approved within seconds, with a card number', async ({ page, request }) => {
  test.setTimeout(120_000);
  const problems: string[] = [];
  watchProblems(page, problems);

  await registerParent(page, request, { shots: true, phone: childMatch.guardianPhone });
  await visible(page, '.cell-students').click();
  await expectRoute(page, 'students/index');
  await expect(visible(page, '[data-testid=students-empty]')).toBeVisible();
  await shot(page, '02-students-empty');

  await press(page, 'add-student');
  await expectRoute(page, 'profile-form/index');
  await expect(visible(page, '[data-testid=profile-form]')).toBeVisible();

  // Client-side validation with the domain schema: every problem next to its field.
  await press(page, 'submit-profile');
  await expect(visible(page, '[data-testid=error-personal-name]')).toHaveText('此项为必填项');
  await expect(visible(page, '[data-testid=error-school]')).toBeVisible();
  await expect(visible(page, '[data-testid=error-guardians-0-relation]')).toBeVisible();
  await fill(page, 'personal-residentId', '110105201501010000');
  await press(page, 'submit-profile');
  await expect(visible(page, '[data-testid=error-personal-residentId]')).toBeVisible();
  await shot(page, '03-form-errors');

  await fillProfile(
    page,
    {
      child: childMatch,
      schoolName: school.name,
      className: '2班',
      guardian: { name: randomName(), residentId: residentIdOfAge(38, BEIJING), phone: mobile() },
    },
    { shots: true },
  );
  // Save a draft first (PUT draft), then submit.
  await press(page, 'save-draft');
  await expect(visible(page, '[data-testid=draft-saved-at]')).toContainText('草稿保存于');
  await shot(page, '06-form-filled');
  const submittedAt = Date.now();
  await press(page, 'submit-profile');

  await expectRoute(page, 'status/index');
  const status = visible(page, '[data-testid=status-page]');
  await expect(status).toHaveAttribute('data-status', 'approved', { timeout: 20_000 });
  const seconds = (Date.now() - submittedAt) / 1000;
  expect(seconds).toBeLessThan(20);
  await expect(visible(page, '[data-testid=status-hero]')).toContainText('已通过认证');
  const cardNumber = (await visible(page, '.card-number-box__value').innerText()).trim();
  expect(cardNumber).toMatch(/^\w{8,}$/);
  await expect(visible(page, '[data-testid=timeline-approved]')).toContainText('学籍比对自动通过');
  await shot(page, '07-status-approved');

  // 电子档案: masked IDs, reveal on request (audited), contact change applies at once.
  await press(page, 'open-archive');
  await expectRoute(page, 'archive/index');
  await expect(visible(page, '[data-testid=archive-name]')).toHaveText(childMatch.name);
  const idRow = visible(page, '[data-testid=info-residentId]');
  await expect(idRow).toContainText(`${childMatch.residentId.slice(0, 6)}********${childMatch.residentId.slice(14)}`);
  // HTML typed in a field is shown as text.
  await expect(visible(page, '[data-testid=info-g0-address]')).toContainText('<b>3</b>');
  await shot(page, '08-archive');
  await visible(page, '.btn-reveal-id').click();
  await page.locator('.taro-model__confirm').filter({ visible: true }).click();
  await expect(idRow).toContainText(childMatch.residentId);
  await press(page, 'edit-contact');
  const newPhone = mobile();
  await fill(page, 'contact-guardians-0-phone', newPhone);
  await shot(page, '09-archive-contact');
  await press(page, 'save-contact');
  await expect(visible(page, '[data-testid=info-g0-phone]')).toContainText(`${newPhone.slice(0, 3)}****${newPhone.slice(7)}`);

  // 学期确认: nothing to confirm for a freshly approved student.
  const studentId = new URL(page.url().replace('/#/', '/')).searchParams.get('studentId');
  await page.goto(`/#/pages/reconfirm/index?studentId=${studentId}`);
  await expect(visible(page, '[data-testid=reconfirm-page]')).toBeVisible();
  await expect(visible(page, '[data-testid=reconfirm-school]')).toContainText(school.name);
  await shot(page, '10-reconfirm');

  // 我的学生 lists the card number.
  await page.goto('/#/pages/students/index');
  await expect(visible(page, '[data-testid=student-card]')).toHaveAttribute('data-status', 'approved');
  await expect(visible(page, '.student-card .card-number')).toHaveText(cardNumber);
  await shot(page, '11-students-approved');

  expect(problems).toEqual([]);
});

test('a wrong class goes to the head teacher, is returned with a reason, corrected and approved', async ({ page, request, browser }) => {
  test.setTimeout(180_000);
  const problems: string[] = [];
  watchProblems(page, problems);

  // The parent picks 2班 (the teacher's class) where the registry says 1班: 2班's head teacher reviews it.
  await registerParent(page, request, { phone: childWrongClass.guardianPhone });
  await visible(page, '.cell-students').click();
  await press(page, 'add-student');
  await expectRoute(page, 'profile-form/index');
  await fillProfile(page, {
    child: childWrongClass,
    schoolName: school.name,
    className: '2班',
    guardian: { name: randomName(), residentId: residentIdOfAge(41, BEIJING), phone: mobile() },
  });
  await press(page, 'submit-profile');
  await expectRoute(page, 'status/index');
  const status = visible(page, '[data-testid=status-page]');
  await expect(status).toHaveAttribute('data-status', 'pending_review', { timeout: 20_000 });
  await expect(visible(page, '[data-testid=status-hero]')).toContainText('待班主任审核');
  await shot(page, '12-status-pending-review');
  const versionId = await status.getAttribute('data-version-id');
  expect(versionId).toMatch(/^[0-9a-f-]{36}$/);

  // The head teacher signs in (a browser of their own) and opens the review from the development inbox.
  const teacherPage = await (await browser.newContext()).newPage();
  watchProblems(teacherPage, problems);
  await teacherPage.goto('/#/pages/login/index');
  await signInWithPassword(teacherPage, teacher.username, teacher.password);
  await expectRoute(teacherPage, 'mine/index');
  await expect(visible(teacherPage, '.cell-reviews')).toContainText('待审核');
  await visible(teacherPage, '.cell-reviews').click();
  await expectRoute(teacherPage, 'review/index');
  await expect(visible(teacherPage, `[data-testid=review-item][data-version-id="${versionId}"]`)).toBeVisible();
  await shot(teacherPage, '13-review-list');

  await teacherPage.goto('/#/pages/dev-inbox/index');
  await visible(teacherPage, '.tab-notifications').click();
  // The review.waiting row (the 待审核 digest that now follows it links to the same page).
  const notification = visible(teacherPage, `.notification-item[data-kind="review.waiting"][data-page-path="pages/review/detail?id=${versionId}"]`);
  await expect(notification).toBeVisible({ timeout: 15_000 });
  await expect(notification).toHaveAttribute('data-kind', 'review.waiting');
  await shot(teacherPage, '14-dev-inbox-notifications');
  await notification.locator('.btn-open-notification').click();

  await expectRoute(teacherPage, 'review/detail');
  await expect(teacherPage).toHaveURL(new RegExp(`id=${versionId}`));
  const classRow = visible(teacherPage, '[data-testid=compare-class]');
  await expect(classRow).toHaveAttribute('data-differs', 'true');
  await expect(classRow).toContainText('不一致');
  await expect(classRow).toContainText('1班');
  await expect(classRow).toContainText('2班');
  await expect(visible(teacherPage, '[data-testid=compare-name]')).toHaveAttribute('data-differs', 'false');
  // IDs masked for the reviewer.
  await expect(visible(teacherPage, '[data-testid=compare-residentId]')).not.toContainText(childWrongClass.residentId);
  await shot(teacherPage, '15-review-detail');

  // Return with a preset reason and a note; 其他 without text is refused first.
  await press(teacherPage, 'return');
  await visible(teacherPage, '[data-testid=preset-4]').click();
  await press(teacherPage, 'confirm-return');
  await expect(visible(teacherPage, '.error-reasonText')).toHaveText('请填写退回原因');
  await visible(teacherPage, '[data-testid=preset-2]').click();
  await visible(teacherPage, '.input-reasonText textarea').fill('学籍库中为三年级1班');
  await shot(teacherPage, '16-return-dialog');
  await press(teacherPage, 'confirm-return');
  await expect(visible(teacherPage, '[data-testid=review-detail]')).toHaveAttribute('data-status', 'returned');
  await expect(visible(teacherPage, '[data-testid=review-reason]')).toContainText('年级或班级填写错误：学籍库中为三年级1班');
  await shot(teacherPage, '17-review-returned');

  // A second decision on the same version loses: 409 → 已被其他老师处理.
  const token = await storedSessionToken(teacherPage);
  const late = await request.post(`/api/reviews/${versionId}/approve`, { headers: { Authorization: `Bearer ${token}` } });
  expect(late.status()).toBe(409);

  // The parent sees the reason, corrects the class from the prefilled form and resubmits.
  await page.reload();
  await expect(visible(page, '[data-testid=status-page]')).toHaveAttribute('data-status', 'returned', { timeout: 15_000 });
  await expect(visible(page, '[data-testid=return-reason]')).toContainText('年级或班级填写错误：学籍库中为三年级1班');
  await shot(page, '18-status-returned');
  await press(page, 'fix-and-resubmit');
  await expectRoute(page, 'profile-form/index');
  await expect(visible(page, '[data-testid=form-state-notice]')).toContainText('年级或班级填写错误');
  await expect(visible(page, '.input-personal-name input')).toHaveValue(childWrongClass.name);
  await expect(visible(page, '.picker-school .picker-field__value')).toHaveText(school.name);
  await expect(visible(page, '.picker-class .picker-field__value')).toHaveText('2班');
  await shot(page, '19-form-prefilled-returned');
  await visible(page, '[data-testid=picker-class]').click();
  await visible(page, '.option-sheet__item').filter({ hasText: /^1班$/ }).click();
  await expect(visible(page, '.picker-class .picker-field__value')).toHaveText('1班');
  // The guardian's consent of the returned submission carries over: no re-ticking.
  await press(page, 'submit-profile');

  await expectRoute(page, 'status/index');
  await expect(visible(page, '[data-testid=status-page]')).toHaveAttribute('data-status', 'approved', { timeout: 20_000 });
  await expect(visible(page, '.card-number-box__value')).toHaveText(/^\w{8,}$/);
  await expect(visible(page, '[data-testid=timeline-history]')).toContainText('已退回');
  await shot(page, '20-status-approved-after-return');

  // The teacher's workbench afterwards: nothing left waiting in the class.
  await teacherPage.goto('/#/pages/review/index');
  await expect(visible(teacherPage, '[data-testid=review-list]')).toBeVisible();
  await expect(visible(teacherPage, `[data-testid=review-item][data-version-id="${versionId}"]`)).toHaveCount(0);
  await shot(teacherPage, '21-review-list-after');

  expect(problems).toEqual([]);
});
