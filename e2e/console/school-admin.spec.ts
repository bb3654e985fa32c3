import fs from 'node:fs';
import { expect, request as playwrightRequest, test, type APIRequestContext, type Page } from '@playwright/test';
import { eq } from 'drizzle-orm';
import { piiCipherFromConfig } from '../../server/crypto/keys';
import { openDatabase } from '../../server/db/client';
import { accounts, schools } from '../../server/db/schema';
import { hashPassword } from '../../server/security/passwords';
import { encryptPhone } from '../../server/services/accounts/account-view';
import { csv, DATABASE_URL, digits, json, mobile, randomName, residentIdOfAge, serverConfig, smsCode } from '../support/helpers';
import { importSchool, newChild, newSchool, registerFamily, submitChild, waitForStatus, type Session } from '../support/world';

/**
 * A school administrator's working day in the console (1440×900, Chromium,
 * the whole running system): imports a teachers file with one bad row (the
 * report names the row and nothing is written), then the corrected file;
 * decides a family's submission from the school's review queue; exports a
 * class's status list as XLSX (masked).
 */

const SHOTS = 'test-results/console';
async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(500); // charts and transitions settle
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

const school = newSchool('南京市秦淮区育才小学');
const waiting = newChild();
const adminPhone = mobile();
const adminUsername = `sa${digits(8)}`;
const adminPassword = `Desk-${digits(6)}q`;

let api: APIRequestContext;
let family: Session & { phone: string };
let studentId = '';
let adminToken = '';

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
      displayName: '育才小学管理员',
      passwordHash: await hashPassword(adminPassword),
      schoolId: row!.id,
      ...encryptPhone({ pii }, adminPhone),
    });
  } finally {
    await database.close();
  }
}

function teachersFile(rows: string[][]): string {
  const file = `${test.info().outputDir}/教师名单-${digits(4)}.csv`;
  fs.mkdirSync(test.info().outputDir, { recursive: true });
  fs.writeFileSync(file, csv([['姓名', '手机号', '身份证号', '学校标识码', '学校名称', '任教班级', '班主任班级'], ...rows]));
  return file;
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(150_000);
  fs.mkdirSync(SHOTS, { recursive: true });
  api = await playwrightRequest.newContext({ baseURL: test.info().project.use.baseURL });
  // 三年级1班 with its head teacher; the registry knows another child, not the one the family submits.
  await importSchool(school, '1班', [{ child: newChild(), className: '1班' }]);
  await createSchoolAdmin();
  family = await registerFamily(api);
  const submitted = await submitChild(api, family, school, waiting, '1班');
  studentId = submitted.studentId;
  await waitForStatus(api, family, studentId, 'pending_review');
});

test.afterAll(async () => {
  await api?.dispose();
});

async function signIn(page: Page): Promise<void> {
  await page.goto('/console/login');
  await page.getByLabel('账号').fill(adminUsername);
  await page.getByLabel('密码').fill(adminPassword);
  const since = Date.now();
  await page.getByRole('button', { name: '下一步' }).click();
  await expect(page.getByText(/短信验证码已发送至/)).toBeVisible();
  await page.getByLabel('短信验证码').fill(await smsCode(api, adminPhone, since));
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page.getByRole('heading', { name: `${school.name} · 认证进度` })).toBeVisible({ timeout: 20_000 });
  adminToken = await page.evaluate(() => JSON.parse(sessionStorage.getItem('educard.console.session') ?? '{}').token as string);
}

async function teacherCount(status?: string): Promise<number> {
  const me = await json<{ school: { id: string } }>(await api.get('/api/console/me', { headers: { Authorization: `Bearer ${adminToken}` } }), 200);
  const list = await json<{ total: number }>(
    await api.get(`/api/console/schools/${me.school.id}/teachers${status ? `?status=${status}` : ''}`, { headers: { Authorization: `Bearer ${adminToken}` } }),
    200,
  );
  return list.total;
}

test('a school admin imports a teachers file with one bad row (nothing written, the row named), then the corrected file', async ({ page }) => {
  test.setTimeout(90_000);
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  await signIn(page);
  await page.getByRole('menuitem', { name: /教师管理/ }).click();
  await expect(page.getByRole('heading', { name: '教师管理' })).toBeVisible();
  const before = await teacherCount();
  expect(before).toBe(1); // the head teacher of 1班 (imported, not yet activated)
  await shot(page, '11-teachers');

  // Three-character names with different last characters: never the same as each other or the two-character head teacher's.
  const good = [`${randomName()}甲`, mobile(), residentIdOfAge(35), school.code, school.name, '三年级2班', '三年级2班'];
  const second = [`${randomName()}乙`, mobile(), residentIdOfAge(42), school.code, school.name, '三年级1班、三年级2班', ''];
  const badSecond = [...second];
  badSecond[2] = '32010219800101123'; // 17 characters

  await page.getByRole('button', { name: '导入教师名单' }).click();
  const dialog = page.getByRole('dialog', { name: '导入教师名单' });
  await dialog.locator('input[type=file]').setInputFiles(teachersFile([good, badSecond]));
  await expect(dialog.getByText('发现 1 个问题，未导入任何数据')).toBeVisible();
  const problemRow = dialog.locator('tr', { hasText: '第 3 行' });
  await expect(problemRow).toContainText('身份证号');
  await expect(dialog.getByRole('button', { name: '确认导入' })).toBeDisabled();
  await shot(page, '12-import-report-bad-row');
  // Nothing was written, not even the good row.
  expect(await teacherCount()).toBe(before);

  await dialog.locator('input[type=file]').setInputFiles(teachersFile([good, second]));
  await expect(dialog.getByText('检查通过：共 2 行，未发现问题')).toBeVisible();
  await expect(dialog.getByText(/新增教师 2 人/)).toBeVisible();
  expect(await teacherCount()).toBe(before);
  await shot(page, '13-import-report-clean');
  await dialog.getByRole('button', { name: '确认导入' }).click();
  await expect(dialog.getByText('导入完成', { exact: true }).first()).toBeVisible();
  await shot(page, '14-import-done');
  await dialog.getByRole('button', { name: '完成' }).click();

  expect(await teacherCount()).toBe(before + 2);
  // The two new ones wait for their activation, like the imported (not yet activated) head teacher of 1班.
  expect(await teacherCount('pending_activation')).toBe(3);
  await page.getByLabel('激活状态').click();
  await page.locator('.ant-select-item-option', { hasText: '待激活' }).click();
  await expect(page.locator('tr.ant-table-row')).toHaveCount(3);
  await expect(page.locator('tr.ant-table-row', { hasText: good[0]! }).getByRole('button', { name: '重发激活短信' })).toBeVisible();
  await shot(page, '15-teachers-pending');
  expect(problems).toEqual([]);
});

test('a school admin decides a submission from the school review queue', async ({ page }) => {
  test.setTimeout(90_000);
  await signIn(page);
  await page.getByRole('menuitem', { name: /审核队列/ }).click();
  await expect(page.getByRole('heading', { name: '审核队列' })).toBeVisible();
  const row = page.locator('tr.ant-table-row', { hasText: `${waiting.name.slice(0, 1)}*` });
  await expect(row).toContainText('三年级1班');
  await shot(page, '21-review-queue');
  await row.click();
  await expect(page.getByRole('heading', { name: new RegExp(`审核详情 · ${waiting.name}`) })).toBeVisible();
  await expect(page.getByText('学籍库中未找到该学生').first()).toBeVisible();
  await expect(page.getByText('账号验证手机号')).toBeVisible();
  await shot(page, '22-review-detail');
  await page.getByRole('button', { name: '通过' }).click();
  await page.getByRole('dialog').getByRole('button', { name: '通过' }).click();
  await expect(page.getByText(/已通过，教育卡号 JY/)).toBeVisible();
  await expect(page.getByText('已认证').first()).toBeVisible();
  await shot(page, '23-review-approved');
  await waitForStatus(api, family, studentId, 'approved');
});

test('a school admin exports a class status list as XLSX, masked', async ({ page }) => {
  test.setTimeout(90_000);
  await signIn(page);
  await page.getByRole('menuitem', { name: /班级与班主任/ }).click();
  await page.locator('tr.ant-table-row', { hasText: '1班' }).getByRole('button', { name: '学生名单' }).click();
  await expect(page.getByRole('heading', { name: '三年级1班 · 学生名单' })).toBeVisible();
  const student = page.locator('tr.ant-table-row', { hasText: `${waiting.name.slice(0, 1)}*` });
  await expect(student).toContainText('已认证');
  await expect(student).toContainText('有效');
  await expect(page.getByText(waiting.residentId)).toHaveCount(0);
  await shot(page, '31-class-students');
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /导出名单/ }).click()]);
  expect(file.suggestedFilename()).toMatch(/^三年级1班-认证状态-\d{4}-\d{1,2}-\d{1,2}\.xlsx$/);
  const saved = `${test.info().outputDir}/${file.suggestedFilename()}`;
  await file.saveAs(saved);
  const { default: excel } = await import('exceljs');
  const book = new excel.Workbook();
  await book.xlsx.readFile(saved);
  const text = JSON.stringify(book.worksheets[0]!.getSheetValues());
  expect(text).toContain(`${waiting.name.slice(0, 1)}*`);
  expect(text).toContain('已认证');
  expect(text).not.toContain(waiting.name);
  expect(text).not.toContain(waiting.residentId);
  await expect(page.getByText(/已导出/)).toBeVisible();
  await shot(page, '32-exported');

  // The dashboard's activity charts count today's submission and the decision (from the aggregates, seconds behind).
  await page.getByRole('menuitem', { name: /数据概览/ }).click();
  await expect(page.getByRole('img', { name: '每日提交与审核' })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByRole('img', { name: '审核用时分布' })).toBeVisible({ timeout: 15_000 });
  await shot(page, '33-dashboard-activity');
});
