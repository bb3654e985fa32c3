import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import type { SmsPurpose } from '../domain/api/auth';
import { digits, expectRoute, fill, mobile, press, serverConfig, shot as shotInto, signInWithPassword, smsCode, storedSessionToken, visible, watchProblems } from './support/helpers';

/**
 * The accounts flow of the H5 build against the real API (dev SMS provider):
 * register → log out → log in → change password (old password and old session
 * token rejected) → recover the username → reset the password by SMS → log in
 * with the new password → change the phone (codes to both phones; the old one
 * is told) → log in by the new phone. One phone receives three codes, and the server allows
 * one code per phone per SMS_RESEND_INTERVAL_S (1 s as playwright.config.ts
 * starts it): each time, a second code asked for at once is refused, and the
 * next code is asked for only once the interval is over (no longer sleeping
 * than what is left of it).
 */

const SHOTS = 'test-results/accounts';
const shot = (page: Page, name: string) => shotInto(page, SHOTS, name);

/** When a code was asked for (to find it in the inbox) and when it was sent (the server's resend interval began before). */
interface SentCode {
  askedAt: number;
  sentAt: number;
}

/**
 * Taps 获取验证码 once the server's resend interval since the previous code is over, and checks that
 * the code is sent (200, `resendIn` the configured interval) and the button counts down, disabled.
 * Meanwhile another code for the phone, asked for at once, is refused: 429 RATE_LIMITED with a
 * Retry-After within the interval.
 */
async function sendCode(page: Page, api: APIRequestContext, phone: string, purpose: SmsPurpose, previous?: SentCode): Promise<SentCode> {
  const intervalS = serverConfig().SMS_RESEND_INTERVAL_S;
  const wait = previous ? previous.sentAt + intervalS * 1000 - Date.now() : 0;
  if (wait > 0) await page.waitForTimeout(wait);
  const answer = page.waitForResponse((res) => new URL(res.url()).pathname === '/api/auth/sms-codes' && res.request().method() === 'POST');
  const askedAt = Date.now();
  await press(page, 'send-code');
  const sent = await answer;
  const sentAt = Date.now();
  // Asked for while the countdown is checked: well within the interval.
  const again = api.post('/api/auth/sms-codes', { data: { phone, purpose } });
  await expect(visible(page, '.btn-send-code')).toContainText(/重新获取\(\d+s\)/);
  await expect(visible(page, '.btn-send-code')).toHaveClass(/nut-button-disabled/);
  expect(sent.status(), await sent.text()).toBe(200);
  expect(((await sent.json()) as { resendIn: number }).resendIn).toBe(intervalS);

  const refused = await again;
  const refusedBody = (await refused.json().catch(() => ({}))) as { error?: { code?: string } };
  expect(refused.status(), `a second code ${Date.now() - sentAt} ms after the first: ${JSON.stringify(refusedBody)}`).toBe(429);
  expect(refusedBody.error?.code).toBe('RATE_LIMITED');
  const retryAfter = Number(refused.headers()['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(intervalS);
  return { askedAt, sentAt };
}

async function login(page: Page, loginName: string, password: string): Promise<void> {
  await expectRoute(page, 'login/index');
  await signInWithPassword(page, loginName, password);
}

async function logout(page: Page): Promise<void> {
  await expectRoute(page, 'mine/index');
  await visible(page, '.btn-logout').click();
  await page.locator('.taro-model__confirm').filter({ visible: true }).click();
  await expect(visible(page, '[data-testid=mine-guest]')).toBeVisible();
}

test('register, log out, log in, change password, recover username, reset password by SMS', async ({ page, context, request }) => {
  // The flow itself, and the resend interval waited out twice at most.
  test.setTimeout(120_000 + 2 * serverConfig().SMS_RESEND_INTERVAL_S * 1000);
  const problems: string[] = [];
  watchProblems(page, problems);

  const phone = mobile();
  const username = `e2e${digits(8)}`;
  const password1 = `Card-${digits(6)}a`;
  const password2 = `Newer-${digits(6)}b`;
  const password3 = `Reset-${digits(6)}c`;

  // --- home → register ---------------------------------------------------------------
  await page.goto('/');
  await expect(visible(page, '[data-testid=account-entry]')).toBeVisible();
  await shot(page, '01-home-signed-out');
  await press(page, 'home-register');
  await expectRoute(page, 'register/index');
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
  const registerSent = await sendCode(page, request, phone, 'register');

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
  await expectRoute(page, 'mine/index');
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
  await expectRoute(page, 'mine/index');
  await expect(visible(page, '[data-testid=mine-name]')).toHaveText(username);

  // --- change password ----------------------------------------------------------------------------
  const oldToken = await storedSessionToken(page);
  await visible(page, '.cell-change-password').click();
  await expectRoute(page, 'change-password/index');
  await fill(page, 'currentPassword', 'wrong-password-1');
  await fill(page, 'newPassword', password2);
  await fill(page, 'confirmPassword', password2);
  await press(page, 'change-password');
  await expect(visible(page, '.error-currentPassword')).toHaveText('当前密码不正确');
  await shot(page, '08-change-password-error');
  await fill(page, 'currentPassword', password1);
  await press(page, 'change-password');
  await expectRoute(page, 'mine/index');
  await expect(visible(page, '[data-testid=mine-name]')).toHaveText(username);

  // The session from before the change is gone; the new one works.
  const newToken = await storedSessionToken(page);
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
  await expectRoute(page, 'find-username/index');
  await fill(page, 'phone', phone);
  const findSent = await sendCode(page, request, phone, 'find_username', registerSent);
  await fill(page, 'smsCode', await smsCode(request, phone, findSent.askedAt));
  await press(page, 'find-username');
  const found = visible(page, '.found-username');
  await expect(found).toHaveCount(1);
  // The phone is proven: the username is shown whole, ready to type into 登录.
  expect((await found.innerText()).trim()).toBe(username);
  await shot(page, '10-find-username-result');

  // --- reset the password by SMS ------------------------------------------------------------------------
  await press(page, 'found-forgot-password');
  await expectRoute(page, 'forgot-password/index');
  await fill(page, 'phone', phone);
  const resetSent = await sendCode(page, request, phone, 'reset_password', findSent);
  await fill(page, 'smsCode', await smsCode(request, phone, resetSent.askedAt));
  await fill(page, 'newPassword', password3);
  await fill(page, 'confirmPassword', password3);
  await shot(page, '11-forgot-password-sms');
  await press(page, 'reset-sms');
  await expect(page.locator('.taro-modal__title').filter({ visible: true })).toHaveText('密码已重置');
  await page.locator('.taro-model__confirm').filter({ visible: true }).click();

  // --- log in with the new password ------------------------------------------------------------------------
  await login(page, username, password3);
  await expectRoute(page, 'mine/index');
  await expect(visible(page, '[data-testid=mine-name]')).toHaveText(username);
  await shot(page, '12-mine-after-reset');

  // --- change the phone (更换手机号): a code to the old phone (the server knows it) and one to the new ------------
  await visible(page, '.cell-change-phone').click();
  await expectRoute(page, 'change-phone/index');
  const newPhone = mobile();
  const codeButtons = visible(page, '.btn-send-code');
  const oldAnswer = page.waitForResponse((res) => new URL(res.url()).pathname === '/api/me/phone/code');
  const oldAskedAt = Date.now();
  await codeButtons.nth(0).click();
  expect((await oldAnswer).status()).toBe(200);
  await fill(page, 'oldSmsCode', await smsCode(request, phone, oldAskedAt));
  await fill(page, 'phone', newPhone);
  const newAnswer = page.waitForResponse((res) => new URL(res.url()).pathname === '/api/auth/sms-codes');
  const newAskedAt = Date.now();
  await codeButtons.nth(1).click();
  expect((await newAnswer).status()).toBe(200);
  await fill(page, 'smsCode', await smsCode(request, newPhone, newAskedAt));
  await shot(page, '13-change-phone');
  await press(page, 'change-phone');
  await expectRoute(page, 'mine/index');
  // The old phone is told by SMS (through the notifications queue).
  await expect
    .poll(async () => {
      const inbox = (await (await request.get(`/api/dev/inbox?phone=${phone}&limit=10`)).json()) as { sms: Array<{ text: string }> };
      return inbox.sms.some((m) => m.text.includes('绑定手机号已更换'));
    }, { timeout: 30_000 })
    .toBe(true);
  await logout(page);
  await page.goto('/#/pages/login/index');
  await login(page, newPhone, password3);
  await expectRoute(page, 'mine/index');

  expect(problems).toEqual([]);
});

test('the other account pages render; repeated failed sign-ins bring the captcha', async ({ page }) => {
  await page.goto('/#/pages/login/index');
  await expect(visible(page, '.btn-login')).toBeVisible();
  await shot(page, 'login');

  // After LOGIN_CAPTCHA_AFTER (3) failures the server asks for the captcha, shown as an image.
  await fill(page, 'login', `nobody${digits(8)}`);
  await fill(page, 'password', 'Wrong-pass-1');
  for (let i = 0; i < 3; i++) {
    await press(page, 'login');
    await expect(visible(page, '[data-testid=form-notice]')).toContainText(`用户名或密码错误，还可尝试 ${4 - i} 次`);
    await expect(visible(page, '.btn-login')).not.toHaveClass(/nut-button-loading/);
  }
  await press(page, 'login');
  await expect(visible(page, '.error-captchaAnswer')).toHaveText('请输入图形验证码');
  await expect(visible(page, '.login-remaining')).toContainText('还可尝试 2 次');
  // A raster picture, not SVG paths.
  await expect(visible(page, '[data-testid=captcha-image] img')).toHaveAttribute('src', /^data:image\/png;base64,/);
  await shot(page, 'login-captcha');

  await page.goto('/#/pages/forgot-password/index');
  await visible(page, '.tab-manual').click();
  await expect(visible(page, '[data-testid=captcha-image] img')).toBeVisible({ timeout: 10_000 });
  await expect(visible(page, '.btn-recovery-file')).toBeVisible();
  await shot(page, 'forgot-password-manual');

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
