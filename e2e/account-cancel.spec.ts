import fs from 'node:fs';
import { expect, request as playwrightRequest, test, type APIRequestContext, type Page } from '@playwright/test';
import { Client } from 'pg';
import { findPlaintextInDump } from '../tools/pii-scan';
import { DATABASE_URL, fill, press, shot as shotInto, signedInPage, smsCode, visible } from './support/helpers';
import { importSchool, newChild, newSchool, registerFamily, submitChild, waitForStatus } from './support/world';

/**
 * 我的数据 and 注销账号 in the H5 build against the whole running system: an
 * approved family reads and downloads the copy of its data, then cancels its
 * account with its password and an SMS code (the browser run erases at once:
 * ACCOUNT_CANCEL_COOLOFF_DAYS=0 in playwright.config.ts). Afterwards it cannot
 * sign in, its card is revoked, and a pg_dump of the live database holds none
 * of its plaintext outside the school's registry (tools/pii-scan.ts).
 */

const SHOTS = 'test-results/account-cancel';
const shot = (page: Page, name: string) => shotInto(page, SHOTS, name);
/** The school's own tables: registry rows stay after a cancellation. */
const SCHOOL_TABLES = new Set(['registry_records', 'registry_batches']);

async function query<T>(text: string, values: unknown[]): Promise<T[]> {
  const client = new Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

const problems: string[] = [];
let api: APIRequestContext;

test.beforeAll(async () => {
  api = await playwrightRequest.newContext({ baseURL: test.info().project.use.baseURL });
});
test.afterAll(async () => {
  await api?.dispose();
  expect(problems).toEqual([]);
});

test('an approved family downloads a copy of its data, then cancels its account: signed out, card revoked, nothing of it left in the database', async ({ browser }) => {
  test.setTimeout(120_000);
  const school = newSchool();
  const child = newChild();
  await importSchool(school, '2班', [{ child, className: '2班' }]);
  const family = await registerFamily(api, child.guardianPhone!);
  const { studentId } = await submitChild(api, family, school, child, '2班');
  const approved = await waitForStatus(api, family, studentId, 'approved');
  const cardNumber = approved.card!.number;

  const page = await signedInPage(browser, family.token, problems);
  await page.goto('/#/pages/mine/index');
  await expect(visible(page, '.cell-my-data')).toBeVisible({ timeout: 10_000 });
  // Outside WeChat, 微信 未绑定 says where binding happens.
  await visible(page, '.cell-wechat').click();
  await expect(page.locator('.taro-modal__title').filter({ visible: true })).toHaveText('在微信小程序中绑定');
  await page.locator('.taro-model__confirm').filter({ visible: true }).click();
  await shot(page, '01-mine-privacy-entries');

  // --- 我的数据 -----------------------------------------------------------------------------------------
  await visible(page, '.cell-my-data').click();
  const account = visible(page, '[data-testid=my-data-account]');
  await expect(account).toContainText(family.username, { timeout: 10_000 });
  await expect(account).toContainText(`${family.phone.slice(0, 3)}****${family.phone.slice(7)}`);
  const student = visible(page, '[data-testid=my-data-student]');
  await expect(student).toContainText(child.name);
  await expect(student).toContainText(cardNumber);
  await expect(student).toContainText(`${child.residentId.slice(0, 6)}********${child.residentId.slice(14)}`);
  await expect(page.locator('body')).not.toContainText(child.residentId);
  await shot(page, '02-my-data');
  const [download] = await Promise.all([page.waitForEvent('download'), press(page, 'my-data-save')]);
  const copy = JSON.parse(fs.readFileSync((await download.path())!, 'utf8')) as { account: { username: string }; students: Array<{ cardNumber: string }> };
  expect(copy.account.username).toBe(family.username);
  expect(copy.students.map((s) => s.cardNumber)).toEqual([cardNumber]);
  const exported = await query<{ n: number }>(`select count(*)::int as n from audit_log where actor_account_id = $1 and action = 'account.data_exported'`, [family.accountId]);
  expect(exported[0]!.n).toBeGreaterThanOrEqual(1);

  // Before: the dump does hold the family's username (the check below can see it).
  const dumpFile = `test-results/account-cancel/database-${process.pid}.sql`;
  expect(findPlaintextInDump(DATABASE_URL, [family.username], dumpFile).length).toBeGreaterThan(0);

  // --- 注销账号 -----------------------------------------------------------------------------------------
  await visible(page, '.link').filter({ hasText: '注销账号' }).click();
  await expect(visible(page, '[data-testid=cancel-consequences]')).toContainText('电子教育卡将被撤销');
  await expect(visible(page, '[data-testid=cancel-cool-off]')).toHaveText('提交后立即注销，无法撤销。');
  await shot(page, '03-account-cancel');
  await fill(page, 'password', family.password);
  const since = Date.now();
  await visible(page, '.btn-send-code').click();
  await fill(page, 'smsCode', await smsCode(api, family.phone, since));
  await press(page, 'cancel-account');
  await expect(page.locator('.taro-modal__title').filter({ visible: true })).toHaveText('确认注销账号');
  await page.locator('.taro-model__confirm').filter({ visible: true }).click();
  const done = visible(page, '[data-testid=cancel-done]');
  await expect(done).toHaveAttribute('data-state', 'erased', { timeout: 10_000 });
  await expect(done).toContainText('1 张电子教育卡已撤销');
  await shot(page, '04-account-cancelled');

  // Signed out here and everywhere; the username signs in no more.
  await press(page, 'cancel-done-home');
  await page.goto('/#/pages/mine/index');
  await expect(visible(page, '[data-testid=mine-guest]')).toBeVisible();
  expect((await api.get('/api/me', { headers: { Authorization: `Bearer ${family.token}` } })).status()).toBe(401);
  expect((await api.post('/api/auth/login', { data: { login: family.username, password: family.password } })).status()).toBe(401);

  // The card is revoked, with the reason; the row is a pseudonym.
  const [row] = await query<{ card_revoked_reason: string; approved_version_id: string | null }>('select card_revoked_reason, approved_version_id from students where id = $1', [studentId]);
  expect(row).toEqual({ card_revoked_reason: '账号已注销', approved_version_id: null });

  // The live database: no plaintext of the family outside the school's registry.
  const hits = findPlaintextInDump(DATABASE_URL, [family.username, family.phone, child.residentId], dumpFile).filter((hit) => !SCHOOL_TABLES.has(hit.table.replace(/"/g, '')));
  expect(hits).toEqual([]);
  await page.context().close();
});
