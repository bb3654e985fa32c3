import { expect, test, type APIRequestContext, type Locator, type Page } from '@playwright/test';

/**
 * The accounts flow of the H5 build against the real API (dev SMS provider):
 * register → log out → log in → change password (old password and old session
 * token rejected) → recover the username → reset the password by SMS → log in
 * with the new password. One phone receives three codes, and the server allows
 * one code per phone per minute, so the test waits between them (~2.5 min).
 */

const SHOTS = 'test-results/accounts';
const SMS_RESEND_MS = 61_000;

function randomDigits(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(Math.random() * 10);
  return s;
}

/** The visible one of a selector (Taro H5 keeps visited pages in the DOM, hidden). */
function visible(page: Page, selector: string): Locator {
  return page.locator(selector).filter({ visible: true });
}

async function fill(page: Page, field: string, value: string): Promise<void> {
  const input = visible(page, `.input-${field} input`);
  await input.fill(value);
  await expect(input).toHaveValue(value);
}

/** NutUI buttons: click the button element (its text span does not receive the click in H5). */
async function press(page: Page, name: string): Promise<void> {
  await visible(page, `.btn-${name}`).click();
}

/**
 * A screenshot of the whole current page. Taro H5 scrolls inside the page element,
 * not the document, so the viewport is stretched to the page's height meanwhile.
 */
async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(350); // let page transitions settle
  const height = await page.evaluate(() => {
    const pages = Array.from(document.querySelectorAll<HTMLElement>('.taro_page')).filter((el) => el.offsetParent !== null || getComputedStyle(el).display !== 'none');
    const current = pages[pages.length - 1];
    return Math.max(current?.scrollHeight ?? 0, document.documentElement.scrollHeight);
  });
  const size = page.viewportSize()!;
  const tall = height > size.height;
  if (tall) await page.setViewportSize({ width: size.width, height: Math.min(height + 60, 5000) });
  // A toast still fading out would cover the page.
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true, style: '.taro__toast { display: none !important; }' });
  if (tall) await page.setViewportSize(size);
}

async function expectRoute(page: Page, route: string): Promise<void> {
  await expect(page).toHaveURL(new RegExp(`#/pages/${route}/index`));
}

/** Newest SMS code sent to the phone after `since`, read from GET /api/dev/inbox. */
async function smsCodeFromApi(request: APIRequestContext, phone: string, since: number): Promise<string> {
  let code: string | undefined;
  await expect
    .poll(
      async () => {
        const res = await request.get(`/api/dev/inbox?phone=${phone}&limit=10`);
        const body = (await res.json()) as { sms: Array<{ at: string; phone: string; text: string; params?: { code?: string } }> };
        const fresh = body.sms.filter((m) => m.phone === phone && Date.parse(m.at) >= since - 1000);
        code = fresh[0]?.params?.code ?? /\d{6}/.exec(fresh[0]?.text ?? '')?.[0];
        return code;
      },
      { timeout: 10_000 },
    )
    .toMatch(/^\d{6}$/);
  return code!;
}

/** Waits out the server's one-code-per-minute rule for the phone, then taps 获取验证码. */
async function sendCode(page: Page, lastSentAt: number): Promise<number> {
  const wait = lastSentAt + SMS_RESEND_MS - Date.now();
  if (wait > 0) await page.waitForTimeout(wait);
  const sentAt = Date.now();
  await press(page, 'send-code');
  await expect(visible(page, '.btn-send-code')).toContainText(/重新获取\(\d+s\)/);
  await expect(visible(page, '.btn-send-code')).toHaveClass(/nut-button-disabled/);
  return sentAt;
}

async function login(page: Page, loginName: string, password: string): Promise<void> {
  await expectRoute(page, 'login');
  await fill(page, 'login', loginName);
  await fill(page, 'password', password);
  await press(page, 'login');
}

async function logout(page: Page): Promise<void> {
  await expectRoute(page, 'mine');
  await visible(page, '.btn-logout').click();
  await page.locator('.taro-model__confirm').filter({ visible: true }).click();
  await expect(visible(page, '[data-testid=mine-guest]')).toBeVisible();
}

async function storedToken(page: Page): Promise<string> {
  const raw = await page.evaluate(() => window.localStorage.getItem('educard.session'));
  const token = raw ? (JSON.parse(raw) as { data?: unknown }).data : undefined;
  expect(typeof token).toBe('string');
  return token as string;
}

test('register, log out, log in, change password, recover username, reset password by SMS', async ({ page, context, request }) => {
  test.setTimeout(300_000);
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) problems.push(msg.text());
  });

  const phone = `139${randomDigits(8)}`;
  const username = `e2e${randomDigits(8)}`;
  const password1 = `Card-${randomDigits(6)}a`;
  const password2 = `Newer-${randomDigits(6)}b`;
  const password3 = `Reset-${randomDigits(6)}c`;

  // --- home → register ---------------------------------------------------------------
  await page.goto('/');
  await expect(visible(page, '[data-testid=account-entry]')).toBeVisible();
  await shot(page, '01-home-signed-out');
  await press(page, 'home-register');
  await expectRoute(page, 'register');
  await shot(page, '02-register-empty');

  // Client-side checks first: the submit shows every field problem next to its field.
  await press(page, 'register');
  await expect(visible(page, '.error-phone')).toHaveText('此项为必填项');
  await expect(visible(page, '.error-agreement')).toContainText('隐私政策');
  await fill(page, 'password', 'abc');
  await expect(visible(page, '.rule-length')).toHaveAttribute('data-met', 'false');
  await expect(visible(page, '.rule-classes')).toHaveAttribute('data-met', 'false');
  await shot(page, '03-register-errors');

  await visible(page, '.identity-parent').click();
  await fill(page, 'phone', phone);
  let lastSentAt = await sendCode(page, 0);

  // Read the code in the development inbox (a second tab of the same site).
  const inbox = await context.newPage();
  await inbox.goto('/#/pages/dev-inbox/index');
  const message = inbox.locator(`.sms-message[data-phone="${phone}"]`).first();
  await expect(message).toBeVisible({ timeout: 10_000 });
  const registerCode = (await message.locator('.sms-code').innerText()).trim();
  expect(registerCode).toMatch(/^\d{6}$/);
  await expect(inbox.getByText('仅在非生产环境提供', { exact: false })).toBeVisible();
  await inbox.screenshot({ path: `${SHOTS}/04-dev-inbox.png`, fullPage: true });
  await inbox.close();

  await fill(page, 'smsCode', registerCode);
  await fill(page, 'username', username);
  await fill(page, 'password', `${username}1`);
  await expect(visible(page, '.rule-identity')).toHaveAttribute('data-met', 'false');
  await fill(page, 'password', password1);
  for (const rule of ['length', 'classes', 'identity']) {
    await expect(visible(page, `.rule-${rule}`)).toHaveAttribute('data-met', 'true');
  }
  await fill(page, 'confirmPassword', password1);
  await visible(page, '.agreement__checkbox').click();
  await shot(page, '05-register-filled');
  await press(page, 'register');

  // --- 我的 ---------------------------------------------------------------------------------
  await expectRoute(page, 'mine');
  await expect(visible(page, '[data-testid=mine-name]')).toHaveText(username);
  await expect(visible(page, '[data-testid=mine-role]')).toHaveText('家长');
  await expect(visible(page, '.cell-phone')).toContainText(`${phone.slice(0, 3)}****${phone.slice(7)}`);
  // Customer service and the dev inbox link come from GET /api/app-config.
  await expect.soft(visible(page, '.cell-hotline .mine-cell__value')).not.toHaveText('—');
  await expect.soft(visible(page, '.cell-dev-inbox')).toBeVisible();
  await shot(page, '06-mine-signed-in');

  // --- log out, log in ----------------------------------------------------------------------------
  await logout(page);
  await shot(page, '07-mine-signed-out');
  await press(page, 'mine-login');
  await login(page, username, password1);
  await expectRoute(page, 'mine');
  await expect(visible(page, '[data-testid=mine-name]')).toHaveText(username);

  // --- change password ----------------------------------------------------------------------------
  const oldToken = await storedToken(page);
  await visible(page, '.cell-change-password').click();
  await expectRoute(page, 'change-password');
  await fill(page, 'currentPassword', 'wrong-password-1');
  await fill(page, 'newPassword', password2);
  await fill(page, 'confirmPassword', password2);
  await press(page, 'change-password');
  await expect(visible(page, '.error-currentPassword')).toHaveText('当前密码不正确');
  await shot(page, '08-change-password-error');
  await fill(page, 'currentPassword', password1);
  await press(page, 'change-password');
  await expectRoute(page, 'mine');
  await expect(visible(page, '[data-testid=mine-name]')).toHaveText(username);

  // The session from before the change is gone; the new one works.
  const newToken = await storedToken(page);
  expect(newToken).not.toBe(oldToken);
  const withOld = await request.get('/api/me', { headers: { Authorization: `Bearer ${oldToken}` } });
  expect(withOld.status()).toBe(401);
  const withNew = await request.get('/api/me', { headers: { Authorization: `Bearer ${newToken}` } });
  expect(withNew.status()).toBe(200);

  // The old password no longer signs in.
  await logout(page);
  await press(page, 'mine-login');
  await login(page, username, password1);
  await expect(visible(page, '[data-testid=form-notice]')).toContainText('用户名或密码错误');
  await shot(page, '09-login-old-password-rejected');

  // --- recover the username -------------------------------------------------------------------------
  await visible(page, '.link-find-username').click();
  await expectRoute(page, 'find-username');
  await fill(page, 'phone', phone);
  lastSentAt = await sendCode(page, lastSentAt);
  await fill(page, 'smsCode', await smsCodeFromApi(request, phone, lastSentAt));
  await press(page, 'find-username');
  const found = visible(page, '.found-username');
  await expect(found).toHaveCount(1);
  const masked = (await found.innerText()).trim();
  expect(masked).toContain('*');
  expect(masked).not.toBe(username);
  expect(username.startsWith(masked.split('*')[0]!)).toBe(true);
  await shot(page, '10-find-username-result');

  // --- reset the password by SMS ------------------------------------------------------------------------
  await press(page, 'found-forgot-password');
  await expectRoute(page, 'forgot-password');
  await fill(page, 'phone', phone);
  lastSentAt = await sendCode(page, lastSentAt);
  await fill(page, 'smsCode', await smsCodeFromApi(request, phone, lastSentAt));
  await fill(page, 'newPassword', password3);
  await fill(page, 'confirmPassword', password3);
  await shot(page, '11-forgot-password-sms');
  await press(page, 'reset-sms');
  await expect(page.locator('.taro-modal__title').filter({ visible: true })).toHaveText('密码已重置');
  await page.locator('.taro-model__confirm').filter({ visible: true }).click();

  // --- log in with the new password ------------------------------------------------------------------------
  await login(page, username, password3);
  await expectRoute(page, 'mine');
  await expect(visible(page, '[data-testid=mine-name]')).toHaveText(username);
  await shot(page, '12-mine-after-reset');

  expect(problems).toEqual([]);
});

test('the other account pages render; repeated failed sign-ins bring the captcha', async ({ page }) => {
  await page.goto('/#/pages/login/index');
  await expect(visible(page, '.btn-login')).toBeVisible();
  await shot(page, 'login');

  // After LOGIN_CAPTCHA_AFTER (3) failures the server asks for the captcha, shown as an image.
  await fill(page, 'login', `nobody${randomDigits(8)}`);
  await fill(page, 'password', 'Wrong-pass-1');
  for (let i = 0; i < 3; i++) {
    await press(page, 'login');
    await expect(visible(page, '[data-testid=form-notice]')).toContainText('用户名或密码错误');
    await expect(visible(page, '.btn-login')).not.toHaveClass(/nut-button-loading/);
  }
  await press(page, 'login');
  await expect(visible(page, '.error-captchaAnswer')).toHaveText('请输入图形验证码');
  await expect(visible(page, '[data-testid=captcha-image] img')).toHaveAttribute('src', /^data:image\/svg\+xml;base64,/);
  await shot(page, 'login-captcha');

  await page.goto('/#/pages/forgot-password/index');
  await visible(page, '.tab-identity').click();
  await expect(visible(page, '[data-testid=captcha-image] img')).toBeVisible({ timeout: 10_000 });
  await shot(page, 'forgot-password-identity');

  await page.goto('/#/pages/find-username/index');
  await expect(visible(page, '.btn-find-username')).toBeVisible();
  await shot(page, 'find-username');

  await page.goto('/#/pages/teacher-activation/index');
  await expect(visible(page, '.btn-activate')).toBeVisible();
  await shot(page, 'teacher-activation');

  await page.goto('/#/pages/privacy-policy/index');
  await expect(visible(page, '[data-testid=policy-version]')).toContainText('2026-09-01');
  await shot(page, 'privacy-policy');

  await page.goto('/#/pages/children-rules/index');
  await expect(visible(page, '[data-testid=policy-version]')).toContainText('2026-09-01');
  await shot(page, 'children-rules');
});
