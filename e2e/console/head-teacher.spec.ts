import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, request as playwrightRequest, test, type APIRequestContext, type Page } from '@playwright/test';
import { piiCipherFromConfig } from '../../server/crypto/keys';
import { openDatabase } from '../../server/db/client';
import { accounts, schools } from '../../server/db/schema';
import { hashPassword } from '../../server/security/passwords';
import { encryptPhone } from '../../server/services/accounts/account-view';
import { eq } from 'drizzle-orm';
import { csv, DATABASE_URL, digits, json, mobile, randomName, residentIdOfAge, runTool, serverConfig, smsCode } from '../support/helpers';
import { activateTeacher, importSchool, newChild, newSchool, registerFamily, submitChild, waitForStatus, type Session } from '../support/world';

/**
 * The console at a desk (1440×900, Chromium) against the whole running system:
 * a school administrator signs in with the password and the SMS code of the
 * bound phone (read from the development inbox), sees the school's funnel with
 * an orphan class flagged, makes an active teacher head of that class, and the
 * class's waiting submission appears in that teacher's review queue.
 */

const SHOTS = 'test-results/console';
async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(500); // charts and transitions settle
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

const school = newSchool('南京市玄武区示范小学');
const headed = newChild();
const waiting = newChild();
const adminPhone = mobile();
const adminUsername = `sa${digits(8)}`;
const adminPassword = `Desk-${digits(6)}q`;

let api: APIRequestContext;
let newHead: Session & { username: string; password: string };
let family: Session & { phone: string };
let versionId = '';

/** A school administrator of the school, as the centre would set one up (the console's own page for it comes later). */
async function createSchoolAdmin(): Promise<void> {
  const cfg = serverConfig();
  const database = await openDatabase({ databaseUrl: DATABASE_URL, pgliteDataDir: '', poolMax: 1 });
  try {
    const pii = piiCipherFromConfig(cfg);
    const [row] = await database.db.select({ id: schools.id }).from(schools).where(eq(schools.code, school.code));
    await database.db.insert(accounts).values({
      role: 'school_admin',
      status: 'active',
      username: adminUsername,
      usernameKey: adminUsername.toLowerCase(),
      displayName: '示范小学管理员',
      passwordHash: await hashPassword(adminPassword),
      schoolId: row!.id,
      ...encryptPhone({ pii }, adminPhone),
    });
  } finally {
    await database.close();
  }
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(150_000);
  fs.mkdirSync(SHOTS, { recursive: true });
  api = await playwrightRequest.newContext({ baseURL: test.info().project.use.baseURL });
  // 三年级1班 has its head teacher; 三年级2班 has none (an orphan class).
  const firstHead = await importSchool(school, '1班', [
    { child: headed, className: '1班' },
    { child: newChild(), className: '2班' },
  ]);
  // Until activated, a head teacher is not an active one (the class would be flagged too).
  await activateTeacher(api, firstHead);
  // A teacher of 2班 who heads no class: the one the admin will make head teacher.
  const teacher = { name: randomName(), phone: mobile() };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'educard-console-'));
  try {
    const file = path.join(dir, 'teachers.csv');
    fs.writeFileSync(
      file,
      csv([
        ['姓名', '手机号', '身份证号', '学校标识码', '学校名称', '任教班级', '班主任班级'],
        [teacher.name, teacher.phone, residentIdOfAge(40), school.code, school.name, '三年级2班', ''],
      ]),
    );
    await runTool('tools/teachers-import.ts', [file]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  newHead = await activateTeacher(api, teacher);
  await createSchoolAdmin();
  // A family whose child the registry does not know, in the orphan class: pending review, with the school admin.
  family = await registerFamily(api);
  const submitted = await submitChild(api, family, school, waiting, '2班');
  versionId = submitted.versionId;
  await waitForStatus(api, family, submitted.studentId, 'pending_review');
});

test.afterAll(async () => {
  await api?.dispose();
});

test('a school admin signs in with the SMS second factor, assigns a head teacher to an orphan class, and its waiting submission reaches that teacher', async ({ page }) => {
  test.setTimeout(90_000);
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });

  // Not signed in: the console sends us to its sign-in page.
  await page.goto('/console/classes');
  await expect(page).toHaveURL(/\/console\/login$/);
  await expect(page.getByText('教育卡管理后台').first()).toBeVisible();
  await page.getByLabel('账号').fill(adminUsername);
  await page.getByLabel('密码').fill(adminPassword);
  await shot(page, '01-sign-in-password');
  const since = Date.now();
  await page.getByRole('button', { name: '下一步' }).click();

  // Step 2: the SMS code of the bound phone.
  await expect(page.getByText(`短信验证码已发送至 ${adminPhone.slice(0, 3)}****${adminPhone.slice(7)}`)).toBeVisible();
  const code = await smsCode(api, adminPhone, since);
  await page.getByLabel('短信验证码').fill(code);
  await shot(page, '02-sign-in-sms-code');
  await page.getByRole('button', { name: '登录' }).click();

  // Back where we were going; then the dashboard: the funnel of the school, and the orphan class flagged
  // (the aggregates follow the decisions within seconds).
  await expect(page.getByRole('heading', { name: '班级与班主任' })).toBeVisible();
  await page.getByRole('menuitem', { name: /数据概览/ }).click();
  await expect(page.getByRole('heading', { name: `${school.name} · 认证进度` }), problems.join('\n')).toBeVisible();
  await expect(page.getByText('有 1 个班级没有在职班主任')).toBeVisible();
  await expect
    .poll(
      async () => {
        await page.getByRole('button', { name: '刷新' }).click();
        await page.waitForTimeout(300);
        return page.locator('.ant-statistic').filter({ hasText: '待审核' }).locator('.ant-statistic-content-value').innerText();
      },
      { timeout: 15_000 },
    )
    .toBe('1');
  await expect(page.getByRole('img', { name: '认证漏斗' })).toBeVisible();
  await shot(page, '03-dashboard');

  // The classes page, filtered to the classes without a head teacher.
  await page.getByRole('button', { name: '去指定班主任' }).click();
  await expect(page).toHaveURL(/\/console\/classes\?headTeacher=missing/);
  const row = page.locator('tr', { hasText: '2班' });
  await expect(row.getByText('无在职班主任')).toBeVisible();
  await expect(page.locator('tr', { hasText: '1班' })).toHaveCount(0);
  await shot(page, '04-classes-orphan');

  await row.getByRole('button', { name: '指定班主任' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByText('本班有 1 条待审核申请')).toBeVisible();
  await dialog.getByLabel('选择教师').click();
  await page.locator('.ant-select-item-option', { hasText: newHead.username }).click();
  await shot(page, '05-assign-dialog');
  await dialog.getByRole('button', { name: '确定' }).click();
  await expect(page.getByText(/已指定 .+ 为班主任，1 条待审核申请已转给/)).toBeVisible();
  // The list of classes without a head teacher is empty now.
  await expect(page.locator('tr.ant-table-row')).toHaveCount(0);
  await shot(page, '06-assigned');

  // All classes: 2班 now has its head teacher.
  await page.goto('/console/classes');
  await expect(page.locator('tr', { hasText: '2班' }).getByRole('button', { name: '更换班主任' })).toBeVisible();
  await shot(page, '07-classes-all');

  // Usable at 1280 wide too.
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByRole('menuitem', { name: /数据概览/ }).click();
  await expect(page.getByRole('heading', { name: `${school.name} · 认证进度` })).toBeVisible();
  await expect(page.getByText('没有在职班主任')).toHaveCount(0);
  await shot(page, '08-dashboard-1280');

  // The new head teacher's queue holds the waiting submission.
  const queue = await json<{ items: Array<{ versionId: string }> }>(await api.get('/api/reviews', { headers: { Authorization: `Bearer ${newHead.token}` } }), 200);
  expect(queue.items.map((i) => i.versionId)).toContain(versionId);
  expect(problems).toEqual([]);
});
