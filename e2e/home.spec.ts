import { expect, test } from '@playwright/test';

test('the home page shows the four steps and a healthy service status', async ({ page }) => {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) problems.push(msg.text());
  });
  page.on('response', (res) => {
    // A signed-out visitor may get 401 from /api/me; anything else failing is a bug (a missing asset, a CSP block …).
    if (res.status() >= 400 && !(res.status() === 401 && res.url().endsWith('/api/me'))) problems.push(`${res.status()} ${res.url()}`);
  });
  await page.goto('/');
  for (const step of ['注册账号', '填写信息', '信息审核', '完成认证']) {
    await expect(page.getByText(step, { exact: true }).first()).toBeVisible();
  }
  await expect(page.locator('.service-status__summary').filter({ visible: true })).toHaveText(/运行正常/, { timeout: 15_000 });
  await page.screenshot({ path: 'test-results/home.png', fullPage: true });
  expect(problems).toEqual([]);
});
