import { expect, test } from '@playwright/test';

test('the home page shows the four steps and a healthy service status', async ({ page }) => {
  const consoleErrors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  await page.goto('/');
  for (const step of ['注册账号', '填写信息', '信息审核', '完成认证']) {
    await expect(page.getByText(step, { exact: true }).first()).toBeVisible();
  }
  await expect(page.locator('.service-status__summary').filter({ visible: true })).toHaveText(/运行正常/, { timeout: 15_000 });
  await page.screenshot({ path: 'test-results/home.png', fullPage: true });
  // A content-security-policy violation or a failed script would show here.
  expect(consoleErrors).toEqual([]);
});
