import fs from 'node:fs';
import { expect, request as playwrightRequest, test, type APIRequestContext, type Page } from '@playwright/test';
import { expectRoute, json, press, shot as shotInto, signedInPage, visible } from './support/helpers';
import { activateTeacher, importSchool, newChild, newSchool, registerFamily, submitChild, waitForStatus, type Session } from './support/world';

/**
 * WeChat messaging and 公告作业 in the H5 build against the whole running
 * system (API, notifications / digest / fan-out workers, the fake WeChat):
 *
 * 1. a submission needing review → its 待审核 message reaches the head teacher
 *    at once (the first of a digest window) in the development inbox, and no
 *    digest follows when the window closes (nothing else waited) → its 打开
 *    opens the review page → 通过 → the family's approval message appears in
 *    the inbox;
 * 2. the teacher publishes homework asking for confirmation to the class → a
 *    parent sees it, opens it (read), confirms → the teacher's 通知回执 shows it
 *    confirmed and the other families unread; 提醒未读 works once an hour.
 *
 * The digest window is DIGEST_WINDOW_S (2 s in playwright.config.ts).
 */

const SHOTS = 'test-results/notices';
const shot = (page: Page, name: string) => shotInto(page, SHOTS, name);

const school = newSchool();
// 三年级2班: three children matching the registry (approved at once); one whose registry class is 1班
// but whose family picks 2班 (the head teacher of 2班 reviews it).
const classmates = [newChild(), newChild(), newChild()];
const reviewed = newChild();

interface Family extends Session {
  phone: string;
  studentId: string;
}

const problems: string[] = [];
let api: APIRequestContext;
let teacher: Session;
let families: Family[] = [];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(150_000);
  fs.mkdirSync(SHOTS, { recursive: true });
  api = await playwrightRequest.newContext({ baseURL: test.info().project.use.baseURL });
  const imported = await importSchool(school, '2班', [
    ...classmates.map((child) => ({ child, className: '2班' })),
    { child: reviewed, className: '1班' },
  ]);
  teacher = await activateTeacher(api, imported);
  families = [];
  for (const child of classmates) {
    const family = await registerFamily(api, child.guardianPhone!);
    const { studentId } = await submitChild(api, family, school, child, '2班');
    families.push({ ...family, studentId });
  }
  for (const family of families) await waitForStatus(api, family, family.studentId, 'approved');
});

test.afterAll(async () => {
  await api?.dispose();
  expect(problems).toEqual([]);
});

interface InboxNotification {
  id: string;
  accountId: string;
  kind: string;
  pagePath: string | null;
  data: Record<string, unknown>;
}

async function inboxNotifications(): Promise<InboxNotification[]> {
  return (await json<{ notifications: InboxNotification[] }>(await api.get('/api/dev/inbox?limit=200'), 200)).notifications;
}

test('a submission needing review → its message reaches the head teacher at once → its link opens the review → approve → the family is told', async ({ browser }) => {
  test.setTimeout(120_000);
  const family = await registerFamily(api);
  const { studentId, versionId } = await submitChild(api, family, school, reviewed, '2班');
  await waitForStatus(api, family, studentId, 'pending_review');

  // The head teacher's development inbox: the review.waiting message itself, sent at once, linking to the review.
  const page = await signedInPage(browser, teacher.token, problems);
  await page.goto('/#/pages/dev-inbox/index');
  await visible(page, '.tab-notifications').click();
  const digest = visible(page, `.notification-item[data-kind="review.waiting"][data-account-id="${teacher.accountId}"]`);
  await expect(digest).toHaveCount(1, { timeout: 20_000 });
  await expect(digest).toHaveAttribute('data-page-path', `pages/review/detail?id=${versionId}`);
  // Delivered once: a teacher without WeChat falls back template → subscribe → SMS (the SMS is sent).
  await expect(digest.locator('[data-testid=delivery][data-status=sent]')).toHaveCount(1, { timeout: 10_000 });
  await expect(digest.locator('[data-testid=notification-fields]')).toContainText('versionId');
  // The window (DIGEST_WINDOW_S) closes with nothing gathered: no digest follows.
  await page.waitForTimeout(3_000);
  expect((await inboxNotifications()).filter((n) => n.kind === 'review.digest' && n.accountId === teacher.accountId)).toHaveLength(0);
  await shot(page, '01-inbox-digest');

  // The WeChat tab shows the message as the fake WeChat recorded it (channel, masked recipient, fields, page).
  await visible(page, '.tab-wechat').click();
  await expect(visible(page, '[data-testid=wechat-list]')).toBeVisible();
  await shot(page, '02-inbox-wechat');
  await visible(page, '.tab-notifications').click();

  await digest.locator('.btn-open-notification').click();
  await expectRoute(page, 'review/detail');
  await expect(page).toHaveURL(new RegExp(`id=${versionId}`));
  await expect(visible(page, '[data-testid=review-detail]')).toBeVisible();
  await shot(page, '03-review-detail-from-digest');
  await press(page, 'approve');
  await page.locator('.taro-model__confirm').filter({ visible: true }).click();
  await expect(visible(page, '[data-testid=review-detail]')).toHaveAttribute('data-status', 'approved', { timeout: 10_000 });

  // The family's approval message (with the card number) in the inbox.
  await page.goto('/#/pages/dev-inbox/index');
  await visible(page, '.tab-notifications').click();
  const approved = visible(page, `.notification-item[data-kind="review.approved"][data-account-id="${family.accountId}"]`);
  await expect(approved).toHaveCount(1, { timeout: 15_000 });
  await expect(approved.locator('[data-testid=delivery][data-status=sent]')).toHaveCount(1, { timeout: 10_000 });
  await expect(approved).toContainText('审核通过');
  await expect(approved.locator('[data-testid=notification-fields]')).toContainText(/cardNumber|卡号/);
  await shot(page, '04-inbox-family-approved');
  families.push({ ...family, studentId });
});

test('homework asking for confirmation: a parent reads and confirms it, the receipts show confirmed and unread', async ({ browser }) => {
  test.setTimeout(120_000);
  const title = `数学第三单元练习${Date.now() % 10_000}`;
  const body = '1. 完成练习册第 12–13 页\n2. 背诵乘法口诀\n<b>不是粗体</b> <script>alert(1)</script>';

  // The teacher: 我的 → 发布通知.
  const teacherPage = await signedInPage(browser, teacher.token, problems);
  await teacherPage.goto('/#/pages/mine/index');
  await visible(teacherPage, '.cell-notice-compose').click();
  await expectRoute(teacherPage, 'notice-compose/index');
  await expect(visible(teacherPage, '[data-testid=notice-compose]')).toBeVisible();
  // The only class is chosen already.
  await expect(visible(teacherPage, '[data-testid=class-option]')).toHaveAttribute('data-selected', 'true');

  // Client-side validation with the shared schema.
  await press(teacherPage, 'publish-notice');
  await expect(visible(teacherPage, '[data-testid=error-title]')).toHaveText('请填写标题');
  await expect(visible(teacherPage, '[data-testid=error-body]')).toHaveText('请填写内容');

  await visible(teacherPage, '[data-testid=type-homework]').click();
  await visible(teacherPage, '.input-title input').fill(title);
  await expect(visible(teacherPage, '[data-testid=title-counter]')).toHaveText(`${[...title].length}/40`);
  await visible(teacherPage, '.input-body textarea').fill(body);
  await expect(visible(teacherPage, '[data-testid=body-counter]')).toHaveText(`${[...body].length}/2000`);
  const due = visible(teacherPage, '[data-testid=due-tomorrow]');
  await due.click();
  const dueDate = (await due.getAttribute('data-value'))!;
  await visible(teacherPage, '.switch-requiresConfirmation').click();
  await expect(visible(teacherPage, '[data-testid=field-requiresConfirmation]')).toHaveAttribute('data-checked', 'true');
  await shot(teacherPage, '05-compose');
  await press(teacherPage, 'publish-notice');
  // A confirmation step before it goes out to every family.
  await expect(teacherPage.locator('.taro-modal__title').filter({ visible: true })).toHaveText('确认发布');
  await teacherPage.locator('.taro-model__confirm').filter({ visible: true }).click();

  // Published → 通知回执: every family of the class reached, nobody has read it yet.
  await expectRoute(teacherPage, 'notice-receipts/index');
  const noticeId = new URL(teacherPage.url().replace('/#/', '/')).searchParams.get('id')!;
  expect(noticeId).toMatch(/^[0-9a-f-]{36}$/);
  const receipts = visible(teacherPage, '[data-testid=receipts-page]');
  await expect(receipts).toHaveAttribute('data-complete', 'true', { timeout: 20_000 });
  await expect(visible(teacherPage, '[data-testid=count-total]')).toHaveText(String(families.length));
  await expect(visible(teacherPage, '[data-testid=count-unread]')).toHaveText(String(families.length));

  // A parent: 我的 → 公告作业 → the homework, unread, 需确认, with its due date.
  const [reader, ...others] = families;
  const parent = await signedInPage(browser, reader!.token, problems);
  await parent.goto('/#/pages/mine/index');
  await visible(parent, '.cell-notices').click();
  await expectRoute(parent, 'notices/index');
  const item = visible(parent, `[data-testid=notice-item][data-notice-id="${noticeId}"]`);
  await expect(item).toBeVisible({ timeout: 10_000 });
  await expect(item).toHaveAttribute('data-read', 'false');
  await expect(item.locator('[data-testid=unread-dot]')).toBeVisible();
  await expect(item.locator('[data-testid=notice-type]')).toHaveText('作业');
  await expect(item.locator('[data-testid=badge-needs-confirm]')).toHaveText('需确认');
  const [y, m, d] = dueDate.split('-').map(Number);
  await expect(item.locator('[data-testid=notice-due]')).toHaveText(`截止 ${y}年${m}月${d}日`);
  await shot(parent, '06-family-list');

  // The detail: the body as text (tags shown literally, line breaks kept), then 确认已阅.
  await item.click();
  await expectRoute(parent, 'notice-detail/index');
  await expect(visible(parent, '[data-testid=notice-title]')).toHaveText(title);
  const bodyText = visible(parent, '[data-testid=notice-body]');
  await expect(bodyText).toContainText('<b>不是粗体</b>');
  await expect(bodyText.locator('b, script')).toHaveCount(0);
  expect(await bodyText.innerText()).toContain('第 12–13 页\n2. 背诵乘法口诀');
  await expect(visible(parent, '[data-testid=notice-author]')).toContainText('老师');
  await shot(parent, '07-family-detail');
  await press(parent, 'confirm-notice');
  await expect(visible(parent, '[data-testid=notice-confirmed]')).toContainText('已确认');
  await shot(parent, '08-family-confirmed');

  // Back in the list: read, 已确认.
  await parent.goto('/#/pages/notices/index');
  const readItem = visible(parent, `[data-testid=notice-item][data-notice-id="${noticeId}"]`);
  await expect(readItem).toHaveAttribute('data-read', 'true');
  await expect(readItem.locator('[data-testid=badge-confirmed]')).toHaveText('已确认');

  // The teacher's receipts: the parent confirmed, the others unread (masked names).
  await teacherPage.reload();
  await expect(visible(teacherPage, '[data-testid=count-confirmed]')).toHaveText('1', { timeout: 10_000 });
  await expect(visible(teacherPage, '[data-testid=count-unread]')).toHaveText(String(others.length));
  await visible(teacherPage, '[data-testid=tab-confirmed]').click();
  const confirmedRows = visible(teacherPage, '[data-testid=list-confirmed] [data-testid=receipt-row]');
  await expect(confirmedRows).toHaveCount(1);
  await expect(confirmedRows).toHaveAttribute('data-student-id', reader!.studentId);
  await expect(confirmedRows.locator('[data-testid=receipt-student]')).toHaveText(/\*/);
  await shot(teacherPage, '09-receipts-confirmed');
  await visible(teacherPage, '[data-testid=tab-unread]').click();
  const unreadRows = visible(teacherPage, '[data-testid=list-unread] [data-testid=receipt-row]');
  await expect(unreadRows).toHaveCount(others.length);
  for (const other of others) await expect(visible(teacherPage, `[data-testid=list-unread] [data-student-id="${other.studentId}"]`)).toBeVisible();
  await shot(teacherPage, '10-receipts-unread');

  // 提醒未读: once; a second time within the hour shows the server's 429 message.
  await press(teacherPage, 'remind-unread');
  await expect(visible(teacherPage, '[data-testid=remind-notice]')).toContainText(`已提醒 ${others.length} 位`);
  await press(teacherPage, 'remind-unread');
  await expect(visible(teacherPage, '[data-testid=remind-notice]')).toContainText('每条通知每小时只能提醒一次');
  await shot(teacherPage, '11-receipts-remind-429');

  // 已发通知 lists it with its counts.
  await teacherPage.goto('/#/pages/notices/index');
  await expect(visible(teacherPage, `[data-testid=sent-item][data-notice-id="${noticeId}"]`)).toContainText('已确认 1');
  await shot(teacherPage, '12-sent-list');

  // The families' messages in the inbox, each opening the notice.
  const published = (await inboxNotifications()).filter((n) => n.kind === 'notice.published' && n.pagePath?.includes(noticeId));
  expect(new Set(published.map((n) => n.accountId))).toEqual(new Set(families.map((f) => f.accountId)));
});
