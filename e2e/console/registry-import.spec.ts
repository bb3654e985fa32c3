import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, request as playwrightRequest, test, type APIRequestContext, type Page } from '@playwright/test';
import { piiCipherFromConfig } from '../../server/crypto/keys';
import { openDatabase } from '../../server/db/client';
import { accounts } from '../../server/db/schema';
import { hashPassword } from '../../server/security/passwords';
import { encryptPhone } from '../../server/services/accounts/account-view';
import { birthOf, csv, DATABASE_URL, digits, mobile, randomName, residentIdOfAge, serverConfig, sexOf, smsCode } from '../support/helpers';
import { newSchool } from '../support/world';

/**
 * The card centre's operator at a desk (1440×900): signs in to the console with
 * the SMS second factor, uploads a registry export of 20,000 rows with one bad
 * row on 学籍导入, watches the progress bar run to the end while the worker
 * imports the stored file, reads the counts, downloads the problems report
 * (which names the bad row) and finds the import in the history.
 */

const SHOTS = 'test-results/console';
async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

const ROWS = 20_000;
const BAD_ROW = 1234; // the data row (file line BAD_ROW + 1) whose ID number has a wrong check digit
const operatorPhone = mobile();
const operatorUsername = `op${digits(8)}`;
const operatorPassword = `Centre-${digits(6)}q`;

let api: APIRequestContext;
let dir: string;
let registryFile: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  api = await playwrightRequest.newContext({ baseURL: test.info().project.use.baseURL });
  const database = await openDatabase({ databaseUrl: DATABASE_URL, pgliteDataDir: '', poolMax: 1 });
  try {
    await database.db.insert(accounts).values({
      role: 'operator',
      status: 'active',
      username: operatorUsername,
      usernameKey: operatorUsername.toLowerCase(),
      displayName: '中心值班员',
      passwordHash: await hashPassword(operatorPassword),
      ...encryptPhone({ pii: piiCipherFromConfig(serverConfig()) }, operatorPhone),
    });
  } finally {
    await database.close();
  }
  const school = newSchool('南京市秦淮区导入小学');
  const rows = [['学籍号', '姓名', '身份证号', '性别', '出生日期', '学校标识码', '学校名称', '年级', '班级', '学籍状态']];
  for (let i = 1; i <= ROWS; i += 1) {
    const id = residentIdOfAge(6 + (i % 6));
    const residentId = i === BAD_ROW ? `${id.slice(0, 17)}${id[17] === '0' ? '1' : '0'}` : id;
    rows.push([`G${id}`, randomName(), residentId, sexOf(id), birthOf(id), school.code, school.name, `${['一', '二', '三', '四', '五', '六'][i % 6]}年级`, `${(i % 8) + 1}班`, '在籍']);
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'educard-registry-'));
  registryFile = path.join(dir, '秦淮区学籍导出.csv');
  fs.writeFileSync(registryFile, csv(rows));
});

test.afterAll(async () => {
  await api?.dispose();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('an operator uploads a registry file, watches the progress bar reach the end and downloads the problems report', async ({ page }) => {
  test.setTimeout(120_000);
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });

  await page.goto('/console/registry-imports');
  await expect(page).toHaveURL(/\/console\/login$/);
  await page.getByLabel('账号').fill(operatorUsername);
  await page.getByLabel('密码').fill(operatorPassword);
  const since = Date.now();
  await page.getByRole('button', { name: '下一步' }).click();
  await page.getByLabel('短信验证码').fill(await smsCode(api, operatorPhone, since));
  await page.getByRole('button', { name: '登录' }).click();

  // The operator's menu has 学籍导入.
  await page.getByRole('menuitem', { name: /学籍导入/ }).click();
  await expect(page.getByRole('heading', { name: '学籍导入' })).toBeVisible();
  await page.locator('input[type=file]').setInputFiles(registryFile);
  await expect(page.getByText(/已选择：秦淮区学籍导出\.csv/)).toBeVisible();
  await shot(page, 'registry-01-selected');
  await page.getByRole('button', { name: '开始导入' }).click();

  // The progress bar runs while the worker reads the stored file, and reaches the end.
  const bar = page.getByRole('progressbar', { name: '导入进度' });
  await expect(bar).toBeVisible();
  const seen = new Set<string>();
  let shotTaken = false;
  await expect
    .poll(
      async () => {
        const value = (await bar.getAttribute('aria-valuenow')) ?? '';
        seen.add(value);
        if (!shotTaken && Number(value) > 0 && Number(value) < 100) {
          shotTaken = true;
          await page.screenshot({ path: `${SHOTS}/registry-02-progress.png`, fullPage: true });
        }
        return value;
      },
      { timeout: 90_000, intervals: [200] },
    )
    .toBe('100');
  await expect(page.getByText('已完成').first()).toBeVisible();
  const counts = page.locator('.ant-descriptions');
  await expect(counts.locator('tr', { hasText: '读取行数' })).toContainText(String(ROWS));
  await expect(counts).toContainText(`已导入${ROWS - 1}`);
  await expect(counts).toContainText('未导入（有问题）1');
  await shot(page, 'registry-03-done');

  // The problems report: the bad row, by its line in the file.
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: /下载问题清单（1 条）/ }).click();
  const report = await downloading;
  expect(report.suggestedFilename()).toBe('秦淮区学籍导出-问题清单.csv');
  const text = fs.readFileSync(await report.path(), 'utf8');
  expect(text.split(/\r?\n/)[0]).toBe('\uFEFF行号,列,问题,处理');
  expect(text).toContain(`${BAD_ROW + 1},身份证号`);

  // The history lists the import with its counts and who uploaded it.
  const row = page.locator('.ant-table-row', { hasText: '秦淮区学籍导出.csv' }).first();
  await expect(row).toContainText('已完成');
  await expect(row).toContainText('中心值班员');
  await expect(row).toContainText(`${ROWS - 1} / 1`);
  await shot(page, 'registry-04-history');
  expect(problems).toEqual([]);
  test.info().annotations.push({ type: 'progress values seen', description: [...seen].join(', ') });
});
