import fs from 'node:fs';
import { expect, request as playwrightRequest, test, type APIRequestContext, type Page } from '@playwright/test';
import { eq } from 'drizzle-orm';
import { piiCipherFromConfig } from '../../server/crypto/keys';
import { openDatabase } from '../../server/db/client';
import { accounts, auditLog } from '../../server/db/schema';
import { hashPassword } from '../../server/security/passwords';
import { encryptPhone } from '../../server/services/accounts/account-view';
import { DATABASE_URL, digits, mobile, serverConfig, shot as phoneShot, signedInPage, smsCode, visible } from '../support/helpers';
import { importSchool, newChild, newSchool, registerFamily, submitChild, waitForStatus, type Session } from '../support/world';

/**
 * The card centre's hotline at a desk (1440×900, Chromium) against the whole
 * running system: an operator signs in (password + SMS code), finds a family
 * by the phone the parent gives, reveals the child's resident ID after giving
 * a reason (the reveal is in the audit log), revokes the card with a reason —
 * and the family's e-card then says 已撤销 and why. The queues page opens
 * from the menu with the console's cookie, never a token in the URL.
 */

const SHOTS = 'test-results/console-operator';
async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(500); // charts and transitions settle
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

const school = newSchool('南京市秦淮区热线小学');
const child = newChild();
const operatorPhone = mobile();
const operatorUsername = `op${digits(8)}`;
const operatorPassword = `Desk-${digits(6)}q`;

let api: APIRequestContext;
let family: Session & { phone: string };
let studentId = '';
let operatorId = '';

async function createOperator(): Promise<void> {
  const cfg = serverConfig();
  const database = await openDatabase({ databaseUrl: DATABASE_URL, pgliteDataDir: '', poolMax: 1 });
  try {
    const [row] = await database.db
      .insert(accounts)
      .values({
        role: 'operator',
        status: 'active',
        username: operatorUsername,
        usernameKey: operatorUsername.toLowerCase(),
        displayName: '热线值班员',
        passwordHash: await hashPassword(operatorPassword),
        ...encryptPhone({ pii: piiCipherFromConfig(cfg) }, operatorPhone),
      })
      .returning({ id: accounts.id });
    operatorId = row!.id;
  } finally {
    await database.close();
  }
}

async function auditActions(subjectId: string): Promise<Array<{ action: string; actor: string | null; detail: unknown }>> {
  const database = await openDatabase({ databaseUrl: DATABASE_URL, pgliteDataDir: '', poolMax: 1 });
  try {
    const rows = await database.db.select().from(auditLog).where(eq(auditLog.subjectId, subjectId)).orderBy(auditLog.id);
    return rows.map((r) => ({ action: r.action, actor: r.actorAccountId, detail: r.detail }));
  } finally {
    await database.close();
  }
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(150_000);
  fs.mkdirSync(SHOTS, { recursive: true });
  api = await playwrightRequest.newContext({ baseURL: test.info().project.use.baseURL });
  await importSchool(school, '2班', [{ child, className: '2班' }]);
  // The registry's guardian registers and submits matching data: approved at once, with a card.
  family = await registerFamily(api, child.guardianPhone!);
  ({ studentId } = await submitChild(api, family, school, child, '2班'));
  await waitForStatus(api, family, studentId, 'approved');
  await createOperator();
});

test.afterAll(async () => {
  await api?.dispose();
});

test('an operator finds a family by phone, reveals the ID with a reason (audited), revokes the card, and the family’s e-card says revoked and why', async ({ page, browser }) => {
  test.setTimeout(120_000);
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    // The 400 of the mistyped phone number is expected (the page shows it); anything else is a problem.
    if (msg.type() === 'error' && !msg.text().includes('status of 400')) problems.push(`console: ${msg.text()}`);
  });

  await page.goto('/console/login');
  await page.getByLabel('账号').fill(operatorUsername);
  await page.getByLabel('密码').fill(operatorPassword);
  const since = Date.now();
  await page.getByRole('button', { name: '下一步' }).click();
  await expect(page.getByText(`短信验证码已发送至 ${operatorPhone.slice(0, 3)}****${operatorPhone.slice(7)}`)).toBeVisible();
  await page.getByLabel('短信验证码').fill(await smsCode(api, operatorPhone, since));
  await page.getByRole('button', { name: '登录' }).click();

  // The operator's home: the province overview from the aggregates.
  await expect(page.getByRole('heading', { name: '全省认证进度' })).toBeVisible();
  await expect(page.getByRole('img', { name: '认证漏斗' })).toBeVisible();
  await shot(page, '01-overview');

  // The hotline: the parent gives the phone number.
  await page.getByRole('menuitem', { name: /客服查询/ }).click();
  await expect(page.getByRole('heading', { name: '客服查询' })).toBeVisible();
  await page.getByLabel('查询内容').fill('1234');
  await page.getByRole('button', { name: /查询/ }).click();
  await expect(page.getByText('请输入 11 位手机号')).toBeVisible();
  await page.getByLabel('查询内容').fill(family.phone);
  await page.getByRole('button', { name: /查询/ }).click();
  const maskedId = `${child.residentId.slice(0, 6)}********${child.residentId.slice(14)}`;
  const studentRow = page.locator('tr', { hasText: school.name });
  await expect(studentRow.getByText(maskedId)).toBeVisible();
  await expect(page.getByText(`${family.phone.slice(0, 3)}****${family.phone.slice(7)}`)).toBeVisible();
  // Masked throughout: neither the full ID nor the name is on the page.
  await expect(page.getByText(child.residentId)).toHaveCount(0);
  await expect(page.getByText(child.name)).toHaveCount(0);
  await expect(studentRow.getByText('有效')).toBeVisible();
  await shot(page, '02-family-found');

  // Reveal the ID: a reason first.
  await studentRow.getByRole('button', { name: '查看完整身份证号' }).click();
  const reveal = page.getByRole('dialog');
  await expect(reveal.getByText('查看将记入审计日志')).toBeVisible();
  await reveal.getByRole('button', { name: '查看' }).click();
  await expect(reveal.getByText('请填写原因')).toBeVisible();
  await reveal.getByLabel('原因').fill('家长来电挂失，核对孩子身份证号');
  await shot(page, '03-reveal-reason');
  await reveal.getByRole('button', { name: '查看' }).click();
  await expect(studentRow.getByText(child.residentId)).toBeVisible();
  await expect(studentRow.getByText('已审计')).toBeVisible();
  await shot(page, '04-revealed');
  await expect
    .poll(async () => (await auditActions(studentId)).filter((a) => a.action === 'console.pii_revealed'))
    .toEqual([{ action: 'console.pii_revealed', actor: operatorId, detail: { field: 'studentResidentId', reason: '家长来电挂失，核对孩子身份证号' } }]);

  // Revoke the card, with the reason the family will read.
  await studentRow.getByRole('button', { name: '撤销教育卡' }).click();
  const revoke = page.getByRole('dialog');
  await expect(revoke.getByText('家长在电子卡页面会看到')).toBeVisible();
  await revoke.getByLabel('原因').fill('家长来电挂失，卡片遗失');
  await revoke.getByRole('button', { name: '撤 销' }).or(revoke.getByRole('button', { name: '撤销' })).click();
  await expect(page.getByText('教育卡已撤销')).toBeVisible();
  await expect(studentRow.getByText('已撤销')).toBeVisible();
  await expect(studentRow.getByRole('button', { name: /补\s?发/ })).toBeVisible();
  await shot(page, '05-revoked');

  // The audit log shows both, the newest first.
  await page.getByRole('menuitem', { name: /审计日志/ }).click();
  await page.getByLabel('对象编号').fill(studentId);
  await page.getByRole('button', { name: /查\s?询/ }).click();
  await expect(page).toHaveURL(new RegExp(`subjectId=${studentId}`));
  await expect(page.locator('tr.ant-table-row').filter({ hasNotText: studentId })).toHaveCount(0);
  await expect(page.locator('tr', { hasText: '撤销教育卡' }).filter({ hasText: studentId })).toBeVisible();
  await expect(page.locator('tr', { hasText: '查看完整个人信息' }).filter({ hasText: studentId })).toBeVisible();
  await shot(page, '06-audit-log');

  // The family's e-card: revoked, and why.
  const phone = await signedInPage(browser, family.token, problems);
  await phone.goto(`/#/pages/ecard/index?studentId=${studentId}`);
  await expect(visible(phone, '[data-testid=ecard-status]')).toHaveText('已撤销');
  await expect(visible(phone, '[data-testid=ecard-revoked-reason]')).toHaveText('撤销原因：家长来电挂失，卡片遗失');
  await phoneShot(phone, SHOTS, '07-family-ecard-revoked');
  await phone.context().close();

  // The queues page opens in a new tab with the console's short cookie.
  const [queues] = await Promise.all([page.context().waitForEvent('page'), page.getByRole('menuitem', { name: /队列监控/ }).click()]);
  await queues.waitForURL(/\/console\/queues/);
  expect(queues.url()).not.toMatch(/token|Bearer/i);
  await expect(queues.getByText('registry-match').first()).toBeVisible({ timeout: 15_000 });
  await shot(queues, '08-queues');
  const cookies = await page.context().cookies();
  expect(cookies.find((c) => c.name === 'educard_staff_pages')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
  await queues.close();

  // 账号管理: a school administrator for the school, with a one-time password shown once.
  await page.getByRole('menuitem', { name: /账号管理/ }).click();
  await page.getByRole('button', { name: '新建学校管理员' }).click();
  const create = page.getByRole('dialog');
  await create.getByLabel('学校').click();
  await page.keyboard.type(school.code);
  await page.locator('.ant-select-item-option', { hasText: school.name }).click();
  await create.getByLabel('姓名').fill('热线小学管理员');
  const adminUsername = `sa${digits(8)}`;
  await create.getByLabel('用户名').fill(adminUsername);
  await create.getByLabel(/手机号/).fill(mobile());
  await shot(page, '09-create-school-admin');
  await create.getByRole('button', { name: /创\s?建/ }).click();
  await expect(page.locator('.ant-modal-confirm-title', { hasText: '账号已创建' })).toBeVisible();
  await expect(page.getByLabel('一次性密码')).toBeVisible();
  await shot(page, '10-one-time-password');
  await page.getByRole('button', { name: '我已记下' }).click();
  await expect(page.locator('tr', { hasText: adminUsername }).getByText('待首次改密')).toBeVisible();

  expect(problems).toEqual([]);
});
