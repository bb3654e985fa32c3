import fs from 'node:fs';
import { expect, request as playwrightRequest, test, type APIRequestContext, type Page } from '@playwright/test';
import { json, press, shot as shotInto, signedInPage, visible } from './support/helpers';
import { activateTeacher, importSchool, newChild, newSchool, registerFamily, submitChild, waitForStatus, type Session } from './support/world';

/**
 * The approved-with-a-change state in the H5 build, against the whole running
 * system: an approved family submits a key-field change (the registry does not
 * confirm it) → 审核进度 shows the valid card with its approved data and the
 * change waiting → the head teacher returns it → the family sees the card
 * still valid and the reason, and keeps its current data (保留现有信息). Class
 * notices keep arriving throughout, and the home page shows the family's own
 * progress, not the service's internals.
 */

const SHOTS = 'test-results/approved-change';
const shot = (page: Page, name: string) => shotInto(page, SHOTS, name);

const school = newSchool('南京市玄武区示范小学');
const child = newChild();

const problems: string[] = [];
let api: APIRequestContext;
let teacher: Session;
let family: Session & { phone: string; studentId: string; versionId: string };
let classId: string;

test.describe.configure({ mode: 'serial' });

const auth = (session: Session) => ({ Authorization: `Bearer ${session.token}` });

async function publish(title: string): Promise<string> {
  const created = await json<{ id: string }>(
    await api.post('/api/notices', { headers: auth(teacher), data: { type: '通知', title, body: '请家长知悉。', classIds: [classId] } }),
    201,
  );
  return created.id;
}

/** The notice reaches the family's list (the fan-out runs in the workers). */
async function expectListed(noticeId: string) {
  await expect
    .poll(async () => (await json<{ items: { id: string }[] }>(await api.get('/api/notices/mine', { headers: auth(family) }), 200)).items.map((i) => i.id), {
      timeout: 20_000,
    })
    .toContain(noticeId);
}

test.beforeAll(async () => {
  test.setTimeout(120_000);
  fs.mkdirSync(SHOTS, { recursive: true });
  api = await playwrightRequest.newContext({ baseURL: test.info().project.use.baseURL });
  teacher = await activateTeacher(api, await importSchool(school, '2班', [{ child, className: '2班' }]));
  const registered = await registerFamily(api, child.guardianPhone!);
  const submitted = await submitChild(api, registered, school, child, '2班');
  family = { ...registered, ...submitted };
  await waitForStatus(api, family, family.studentId, 'approved');
  classId = (await json<{ classes: { id: string }[] }>(await api.get('/api/notices/classes', { headers: auth(teacher) }), 200)).classes[0]!.id;
});

test.afterAll(async () => {
  await api?.dispose();
});

test('a change in review, then returned, then kept: the card stays valid and the notices keep coming', async ({ browser }) => {
  test.setTimeout(90_000);
  const before = await publish('开学通知');
  await expectListed(before);

  // A key-field change the registry does not confirm (another name): it waits for the head teacher.
  const draft = await json<{ draft: Record<string, unknown> }>(await api.get(`/api/students/${family.studentId}/draft`, { headers: auth(family) }), 200);
  const body = draft.draft as { personal: Record<string, unknown> };
  const change = await json<{ versionId: string }>(
    await api.post(`/api/students/${family.studentId}/submissions`, { headers: auth(family), data: { ...body, personal: { ...body.personal, name: `${child.name}改` } } }),
    201,
  );
  await waitForStatus(api, family, family.studentId, 'pending_review');
  const during = await publish('家长会通知');
  await expectListed(during);

  const page = await signedInPage(browser, family.token, problems);
  await page.goto(`/#/pages/status/index?studentId=${family.studentId}`);
  await expect(visible(page, '[data-testid=card-valid]')).toHaveText('电子教育卡有效');
  await expect(visible(page, '[data-testid=card-number]')).toBeVisible();
  await expect(visible(page, '[data-testid=change-box]')).toContainText('待班主任审核');
  await expect(visible(page, '.status-student__name')).toHaveText(child.name); // the card's (approved) data
  await expect(visible(page, '.btn-withdraw-change')).toHaveText(/撤回变更/);
  await shot(page, '1-change-in-review');

  // 公告作业 still lists the class notices.
  await page.goto('/#/pages/notices/index');
  await expect(visible(page, `[data-testid=notice-item][data-notice-id="${during}"]`)).toBeVisible();
  await expect(visible(page, '[data-testid=notices-no-student]')).toHaveCount(0);

  // The head teacher's review page: what changed since the approved submission, and that the card stays valid.
  const teacherPage = await signedInPage(browser, teacher.token, problems);
  await teacherPage.goto(`/#/pages/review/detail?id=${change.versionId}`);
  await expect(visible(teacherPage, '[data-testid=review-previous]')).toContainText('已认证');
  await expect(visible(teacherPage, '[data-testid=previous-change-name]')).toContainText(`${child.name} → ${child.name}改`);
  await expect(visible(teacherPage, '.compare-registryStatus .compare__value--na')).toHaveText('无需家长填写');
  await shot(teacherPage, '1b-teacher-review');

  // The head teacher returns the change.
  await json(await api.post(`/api/reviews/${change.versionId}/return`, { headers: auth(teacher), data: { reasonPreset: '姓名与学籍不一致' } }), 200);
  const afterReturn = await publish('返校安排');
  await expectListed(afterReturn);

  await page.goto(`/#/pages/status/index?studentId=${family.studentId}`);
  await expect(visible(page, '[data-testid=card-valid]')).toHaveText('电子教育卡有效');
  await expect(visible(page, '[data-testid=change-box]')).toContainText('信息变更被退回');
  await expect(visible(page, '[data-testid=return-reason]')).toContainText('姓名与学籍不一致');
  await expect(visible(page, '.flow-steps__item--failed')).toHaveCount(0);
  await shot(page, '2-change-returned');

  await press(page, 'withdraw-change');
  await expect(page.locator('.taro-modal__title').filter({ visible: true })).toHaveText('保留现有信息');
  await page.locator('.taro-model__confirm').filter({ visible: true }).click();
  await expect(visible(page, '.status-hero__title')).toHaveText('已通过认证');
  await expect(visible(page, '[data-testid=change-box]')).toHaveCount(0);
  await shot(page, '3-kept');

  // The home page: the family's own progress, no database / Redis / version.
  await page.goto('/#/pages/index/index');
  await expect(visible(page, '[data-testid=family-progress]')).toContainText('已完成认证');
  await expect(visible(page, '[data-testid=auth-step][data-state=done]')).toHaveCount(4);
  await expect(page.getByText('缓存队列 (Redis)')).toHaveCount(0);
  await expect(visible(page, '[data-testid=service-status]')).toHaveCount(0);
  await shot(page, '4-home');
  expect(problems).toEqual([]);
});

test('digit fields take full-width digits; a sign-in error shows once, without a toast over 登录', async ({ page }) => {
  await page.goto('/#/pages/forgot-password/index');
  const phone = visible(page, '.input-phone input');
  await phone.fill('１３９１２３４５６７８');
  await expect(phone).toHaveValue('13912345678');

  await page.goto('/#/pages/login/index');
  await visible(page, '.input-login input').fill(`nobody${Date.now()}`);
  await visible(page, '.input-password input').fill('Wrong-pass-1');
  await press(page, 'login');
  await expect(visible(page, '[data-testid=form-notice]')).toBeVisible();
  await expect(page.locator('.taro__toast').filter({ visible: true })).toHaveCount(0);
  // 登录 takes the next tap at once.
  await visible(page, '.btn-login').click({ timeout: 1_000 });
});
