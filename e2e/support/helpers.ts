import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { devices, expect, test, type APIRequestContext, type APIResponse, type Browser, type Locator, type Page } from '@playwright/test';
import { loadConfig, type Config } from '../../config';
import { birthDateForAge, makeResidentId } from '../../domain/identity/resident-id.fixtures';

/**
 * Helpers shared by the browser tests: Taro H5 specifics (visible pages,
 * form fields, full-page screenshots, signing in), the development inbox (SMS
 * codes), the operators' command-line tools, the server's configuration, and
 * random test people.
 */

export const ROOT = path.resolve(__dirname, '../..');
export const DATABASE_URL = process.env.E2E_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/educard_e2e';
/** The storage key the login flow writes the session token to (services/api-client.ts). */
export const SESSION_KEY = 'educard.session';

const run = promisify(execFile);

// ---- random people ------------------------------------------------------------------------

export function digits(n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += String(randomInt(10));
  return out;
}

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '胡', '朱', '高', '林'];
const GIVEN = ['子涵', '欣怡', '梓轩', '雨桐', '浩然', '思远', '一诺', '嘉怡', '宇轩', '可馨', '若汐', '明远'];
export const pick = <T>(list: readonly T[]): T => list[randomInt(list.length)]!;

export function randomName(): string {
  return pick(SURNAMES) + pick(GIVEN);
}

export function mobile(): string {
  return `13${randomInt(5, 10)}${digits(8)}`;
}

export function residentIdOfAge(age: number, province = '32'): string {
  return makeResidentId({
    province,
    area: String(randomInt(100, 10_000)).padStart(4, '0'),
    birthDate: birthDateForAge(age, new Date(), -randomInt(1, 300)),
    sequence: randomInt(0, 1000),
  });
}

export function sexOf(residentId: string): string {
  return Number(residentId[16]) % 2 === 1 ? '男' : '女';
}

export function birthOf(residentId: string): string {
  return `${residentId.slice(6, 10)}-${residentId.slice(10, 12)}-${residentId.slice(12, 14)}`;
}

export function csv(rows: string[][]): string {
  return `${rows.map((r) => r.join(',')).join('\r\n')}\r\n`;
}

// ---- the system ---------------------------------------------------------------------------

/**
 * The configuration the server under test runs with: the environment playwright.config.ts gives
 * its webServer, read by the server's own loader (config/index.ts, defaults included). A setting
 * such as SMS_RESEND_INTERVAL_S is thus set in one place only. In a test or hook (reads test.info()).
 */
export function serverConfig(): Config {
  return loadConfig({ ...process.env, ...test.info().config.webServer?.env });
}

/** Runs one of the operators' command-line tools (tools/*.ts) against the e2e database. */
export async function runTool(script: string, args: string[]): Promise<void> {
  try {
    await run(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'test', DATABASE_URL, LOG_LEVEL: 'warn' },
      timeout: 60_000,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${script} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** The JSON body of a response, after checking its status. */
export async function json<T = Record<string, unknown>>(res: APIResponse, status: number): Promise<T> {
  const body = (await res.json().catch(() => ({}))) as T;
  expect(res.status(), `${res.url()} → ${JSON.stringify(body)}`).toBe(status);
  return body;
}

/** Newest SMS code sent to the phone at or after `since`, read from GET /api/dev/inbox. */
export async function smsCode(api: APIRequestContext, phone: string, since: number): Promise<string> {
  let code: string | undefined;
  await expect
    .poll(
      async () => {
        const body = await json<{ sms: Array<{ at: string; phone: string; text: string; params?: { code?: string } }> }>(await api.get(`/api/dev/inbox?phone=${phone}&limit=10`), 200);
        const fresh = body.sms.filter((m) => m.phone === phone && Date.parse(m.at) >= since - 1000);
        code = fresh[0]?.params?.code ?? /\d{6}/.exec(fresh[0]?.text ?? '')?.[0];
        return code;
      },
      { timeout: 10_000 },
    )
    .toMatch(/^\d{6}$/);
  return code!;
}

export async function sendAndReadCode(api: APIRequestContext, phone: string, purpose: string): Promise<string> {
  const since = Date.now();
  await json(await api.post('/api/auth/sms-codes', { data: { phone, purpose } }), 200);
  return smsCode(api, phone, since);
}

// ---- the H5 build -------------------------------------------------------------------------

/** The visible one of a selector (Taro H5 keeps visited pages in the DOM, hidden). */
export function visible(page: Page, selector: string): Locator {
  return page.locator(selector).filter({ visible: true });
}

/** Types into the form field `.input-<field>` and checks that it holds the value. */
export async function fill(page: Page, field: string, value: string): Promise<void> {
  const input = visible(page, `.input-${field} input`);
  await input.fill(value);
  await expect(input).toHaveValue(value);
}

/** NutUI buttons: click the button element (its text span does not receive the click in H5). */
export async function press(page: Page, name: string): Promise<void> {
  await visible(page, `.btn-${name}`).click();
}

export async function expectRoute(page: Page, route: string): Promise<void> {
  await expect(page).toHaveURL(new RegExp(`#/pages/${route}`));
}

/** A full-page screenshot into `dir` (Taro H5 scrolls inside the page element, so the viewport is stretched meanwhile). */
export async function shot(page: Page, dir: string, name: string): Promise<void> {
  await page.waitForTimeout(400); // let page transitions settle
  const height = await page.evaluate(() => {
    const pages = Array.from(document.querySelectorAll<HTMLElement>('.taro_page')).filter((el) => el.offsetParent !== null || getComputedStyle(el).display !== 'none');
    const current = pages[pages.length - 1];
    return Math.max(current?.scrollHeight ?? 0, document.documentElement.scrollHeight);
  });
  const size = page.viewportSize()!;
  const tall = height > size.height;
  if (tall) await page.setViewportSize({ width: size.width, height: Math.min(height + 60, 5000) });
  await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true, style: '.taro__toast { display: none !important; }' });
  if (tall) await page.setViewportSize(size);
}

/** Collects page errors and console errors (failed resource loads aside) into `problems`. */
export function watchProblems(page: Page, problems: string[]): void {
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) problems.push(msg.text());
  });
}

/** On the sign-in page (登录): types the username or phone and the password, then taps 登录. */
export async function signInWithPassword(page: Page, loginName: string, password: string): Promise<void> {
  await fill(page, 'login', loginName);
  await fill(page, 'password', password);
  await press(page, 'login');
}

/** The session token the login flow stored in the page's localStorage. */
export async function storedSessionToken(page: Page): Promise<string> {
  const raw = await page.evaluate((key) => window.localStorage.getItem(key), SESSION_KEY);
  const token = raw ? (JSON.parse(raw) as { data?: unknown }).data : undefined;
  expect(typeof token).toBe('string');
  return token as string;
}

/** A phone-sized browser context signed in with the session token (as the login page stores it). */
export async function signedInPage(browser: Browser, token: string, problems: string[]): Promise<Page> {
  const { defaultBrowserType: _ignored, ...phone } = devices['iPhone 13'];
  const context = await browser.newContext({ ...phone, baseURL: test.info().project.use.baseURL, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  await context.addInitScript(
    ([key, value]) => {
      if (!window.localStorage.getItem(key)) window.localStorage.setItem(key, JSON.stringify({ data: value }));
    },
    [SESSION_KEY, token] as const,
  );
  const page = await context.newPage();
  watchProblems(page, problems);
  return page;
}
