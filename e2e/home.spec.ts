import { expect, test } from '@playwright/test';

test('the home page shows the four steps, and parents none of the service internals while it is healthy', async ({ page }) => {
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
  // The health check has answered (ok): no notice; database, Redis and version are for the operator only.
  await page.waitForResponse((res) => res.url().endsWith('/api/health'), { timeout: 15_000 }).catch(() => undefined);
  await expect(page.locator('[data-testid=service-notice]').filter({ visible: true })).toHaveCount(0);
  await expect(page.getByText('缓存队列 (Redis)')).toHaveCount(0);
  await expect(page.getByText(/服务版本/)).toHaveCount(0);
  await page.screenshot({ path: 'test-results/home.png', fullPage: true });
  expect(problems).toEqual([]);
});
