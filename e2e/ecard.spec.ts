import { execFile } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { devices, expect, request as playwrightRequest, test, type APIRequestContext, type Browser, type Locator, type Page } from '@playwright/test';
import jsQR from 'jsqr';
import { Client } from 'pg';
import { CHILDREN_RULES_VERSION, PRIVACY_POLICY_VERSION } from '../domain/api/auth';
import { birthDateForAge, makeResidentId } from '../domain/identity/resident-id.fixtures';

/**
 * The electronic card, the communication card and the staff verification in
 * the H5 build against the whole running system (API, workers, fake WeChat Pay).
 *
 * Test data is made the way an operator and a family make it: the school's
 * teachers file (tools/teachers-import.ts: school, class, head teacher) and a
 * registry file (tools/registry-import.ts), a family account registered with an
 * SMS code from the dev inbox that submits matching data (approved by the
 * registry match within seconds), and the teacher's account activated by SMS.
 *
 * Time without sleeping: the card page runs on Playwright's fake clock
 * (page.clock) to show the QR renewing itself; the server's verdict at a later
 * instant comes from the optional `at` of POST /api/ecard/verify, honoured only
 * outside production, which the test adds to the staff page's request.
 */

const SHOTS = 'test-results/ecard';
const ROOT = path.resolve(__dirname, '..');
const DATABASE_URL = process.env.E2E_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/educard_e2e';
const SESSION_KEY = 'educard.session';
/** server/services/ecard/ecard-token.ts EXPIRY_GRACE_S: a token this little past its expiry still verifies. */
const EXPIRY_GRACE_S = 5;

const run = promisify(execFile);

function digits(n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += String(randomInt(10));
  return out;
}

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴'];
const GIVEN = ['子涵', '欣怡', '梓轩', '雨桐', '浩然', '思远', '一诺', '嘉怡', '宇轩', '可馨'];
const pick = <T>(list: readonly T[]): T => list[randomInt(list.length)]!;

function childResidentId(): string {
  return makeResidentId({ province: '32', area: String(randomInt(100, 10_000)).padStart(4, '0'), birthDate: birthDateForAge(9, new Date(), -randomInt(1, 300)), sequence: randomInt(0, 1000) });
}

function adultResidentId(): string {
  return makeResidentId({ province: '32', area: String(randomInt(100, 10_000)).padStart(4, '0'), birthDate: birthDateForAge(38, new Date(), -randomInt(1, 300)), sequence: randomInt(0, 1000) });
}

function mobile(): string {
  return `139${digits(8)}`;
}

function csv(rows: string[][]): string {
  return `${rows.map((r) => r.join(',')).join('\r\n')}\r\n`;
}

async function runTool(script: string, file: string): Promise<void> {
  try {
    await run(process.execPath, ['--import', 'tsx', script, file], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'test', DATABASE_URL, LOG_LEVEL: 'warn' },
      timeout: 60_000,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${script} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

async function sql(text: string, values: unknown[]): Promise<void> {
  const client = new Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(text, values);
  } finally {
    await client.end();
  }
}

async function json<T = Record<string, unknown>>(res: Awaited<ReturnType<APIRequestContext['get']>>, status: number): Promise<T> {
  const body = (await res.json().catch(() => ({}))) as T;
  expect(res.status(), `${res.url()} → ${JSON.stringify(body)}`).toBe(status);
  return body;
}

/** Newest SMS code sent to the phone at or after `since`, read from GET /api/dev/inbox. */
async function smsCode(api: APIRequestContext, phone: string, since: number): Promise<string> {
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

async function sendAndReadCode(api: APIRequestContext, phone: string, purpose: string): Promise<string> {
  const since = Date.now();
  await json(await api.post('/api/auth/sms-codes', { data: { phone, purpose } }), 200);
  return smsCode(api, phone, since);
}

interface World {
  school: { code: string; name: string; id: string };
  student: { id: string; name: string; cardNumber: string };
  family: { token: string; accountId: string };
  staff: { token: string; name: string };
}

/** School, class and head teacher; registry row; family with an approved student; the teacher's account. */
async function buildWorld(api: APIRequestContext): Promise<World> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecard-e2e-'));
  const school = { code: `7${digits(9)}`, name: `南京市鼓楼区第${randomInt(2, 60)}实验小学` };
  const teacher = { name: pick(SURNAMES) + pick(GIVEN), phone: mobile() };
  const child = { name: pick(SURNAMES) + pick(GIVEN), residentId: childResidentId() };

  const teachersFile = path.join(dir, 'teachers.csv');
  fs.writeFileSync(
    teachersFile,
    csv([
      ['姓名', '手机号', '身份证号', '学校标识码', '学校名称', '任教班级', '班主任班级'],
      [teacher.name, teacher.phone, adultResidentId(), school.code, school.name, '三年级2班', '三年级2班'],
    ]),
  );
  await runTool('tools/teachers-import.ts', teachersFile);

  const sex = Number(child.residentId[16]) % 2 === 1 ? '男' : '女';
  const birth = `${child.residentId.slice(6, 10)}-${child.residentId.slice(10, 12)}-${child.residentId.slice(12, 14)}`;
  const registryFile = path.join(dir, 'registry.csv');
  fs.writeFileSync(
    registryFile,
    csv([
      ['学籍号', '姓名', '身份证号', '性别', '出生日期', '学校标识码', '学校名称', '年级', '班级', '学籍状态'],
      [`G${child.residentId}`, child.name, child.residentId, sex, birth, school.code, school.name, '三年级', '2班', '在籍'],
    ]),
  );
  await runTool('tools/registry-import.ts', registryFile);
  fs.rmSync(dir, { recursive: true, force: true });

  // The family registers (SMS code from the dev inbox) and submits data matching the registry.
  const familyPhone = mobile();
  const session = await json<{ token: string; account: { id: string } }>(
    await api.post('/api/auth/register', {
      data: {
        identity: 'parent',
        phone: familyPhone,
        smsCode: await sendAndReadCode(api, familyPhone, 'register'),
        username: `ec${digits(10)}`,
        password: `Card-${digits(6)}a`,
        agreement: { privacyPolicyVersion: PRIVACY_POLICY_VERSION, childrenRulesVersion: CHILDREN_RULES_VERSION, agreed: true },
        channel: 'h5',
      },
    }),
    201,
  );
  const auth = { Authorization: `Bearer ${session.token}` };
  const schools = await json<{ items: Array<{ id: string; code: string }> }>(await api.get(`/api/schools?q=${school.code}`, { headers: auth }), 200);
  const schoolId = schools.items.find((s) => s.code === school.code)!.id;
  const classes = await json<{ items: Array<{ id: string; name: string }> }>(await api.get(`/api/schools/${schoolId}/classes?grade=P3`, { headers: auth }), 200);
  const classId = classes.items.find((c) => c.name === '2班')!.id;
  const created = await json<{ id: string }>(await api.post('/api/students', { headers: auth, data: {} }), 201);
  await json(
    await api.post(`/api/students/${created.id}/submissions`, {
      headers: auth,
      data: {
        personal: { name: child.name, residentId: child.residentId },
        school: { schoolId, grade: 'P3', classId },
        guardians: [{ name: pick(SURNAMES) + pick(GIVEN), relation: 'mother', residentId: adultResidentId(), phone: familyPhone, address: '江苏省南京市鼓楼区中山路 1 号' }],
        consent: { agreed: true, policyVersion: PRIVACY_POLICY_VERSION, guardianIndex: 0 },
      },
    }),
    201,
  );
  let cardNumber = '';
  await expect
    .poll(
      async () => {
        const detail = await json<{ status: string; card: { number: string } | null }>(await api.get(`/api/students/${created.id}`, { headers: auth }), 200);
        cardNumber = detail.card?.number ?? '';
        return detail.status;
      },
      { timeout: 20_000, message: 'the registry match approves the submission' },
    )
    .toBe('approved');

  // The head teacher activates the imported account with an SMS code.
  const staff = await json<{ token: string }>(
    await api.post('/api/auth/teacher-activation', {
      data: {
        phone: teacher.phone,
        smsCode: await sendAndReadCode(api, teacher.phone, 'activate_teacher'),
        username: `t${digits(10)}`,
        password: `Teach-${digits(6)}b`,
        channel: 'h5',
      },
    }),
    200,
  );
  return {
    school: { ...school, id: schoolId },
    student: { id: created.id, name: child.name, cardNumber },
    family: { token: session.token, accountId: session.account.id },
    staff: { token: staff.token, name: teacher.name },
  };
}

/** The visible one of a selector (Taro H5 keeps visited pages in the DOM, hidden). */
function visible(page: Page, selector: string): Locator {
  return page.locator(selector).filter({ visible: true });
}

/** A full-page screenshot (Taro H5 scrolls inside the page element, so the viewport is stretched meanwhile). */
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
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true, style: '.taro__toast { display: none !important; }' });
  if (tall) await page.setViewportSize(size);
}

/** A phone-sized browser context signed in with the session token (as the login page stores it). */
async function signedInPage(browser: Browser, token: string): Promise<Page> {
  const { defaultBrowserType: _ignored, ...phone } = devices['iPhone 13'];
  const context = await browser.newContext({ ...phone, baseURL: test.info().project.use.baseURL, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  await context.addInitScript(
    ([key, value]) => {
      if (!window.localStorage.getItem(key)) window.localStorage.setItem(key, JSON.stringify({ data: value }));
    },
    [SESSION_KEY, token] as const,
  );
  const page = await context.newPage();
  watchProblems(page);
  return page;
}

const problems: string[] = [];
function watchProblems(page: Page): void {
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) problems.push(msg.text());
  });
}

/** Decodes the QR image on the page (drawn into a canvas in the page, decoded here with jsQR). */
async function decodeQr(image: Locator): Promise<string | undefined> {
  const pixels = await image.evaluate(async (node) => {
    const img = node.tagName === 'IMG' ? (node as HTMLImageElement) : node.querySelector('img')!;
    if (!img.complete) await new Promise((resolve) => img.addEventListener('load', resolve, { once: true }));
    const size = 480;
    const canvas = document.createElement('canvas');
    canvas.width = size;
    canvas.height = size;
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, size, size);
    ctx.drawImage(img, 0, 0, size, size);
    return { size, data: Array.from(ctx.getImageData(0, 0, size, size).data) };
  });
  return jsQR(Uint8ClampedArray.from(pixels.data), pixels.size, pixels.size)?.data;
}

function tokenExpiry(token: string): number {
  const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { e: number };
  return payload.e;
}

/** One character of the signature changed (from its middle: the last one may only carry padding bits). */
function tamper(token: string): string {
  const [prefix, payload, signature] = token.split('.') as [string, string, string];
  const i = Math.floor(signature.length / 2);
  const swapped = signature[i] === 'A' ? 'B' : 'A';
  return `${prefix}.${payload}.${signature.slice(0, i)}${swapped}${signature.slice(i + 1)}`;
}

test.describe.serial('electronic card', () => {
  let world: World;
  let api: APIRequestContext;

  test.beforeAll(async () => {
    test.setTimeout(90_000);
    api = await playwrightRequest.newContext({ baseURL: test.info().project.use.baseURL });
    world = await buildWorld(api);
  });

  test.afterAll(async () => {
    await api?.dispose();
    expect(problems).toEqual([]);
  });

  test("an approved student's card shows a QR whose token verifies on the staff page, and reads expired after its lifetime", async ({ browser }) => {
    test.setTimeout(60_000);
    const family = await signedInPage(browser, world.family.token);
    // The card page's timers run on a clock the test moves (no sleeping for the 30 s refresh).
    await family.clock.install();

    // 我的 lists the card of the approved student.
    await family.goto('/#/pages/mine/index');
    const entry = visible(family, `.cell-ecard-${world.student.id}`);
    await expect(entry).toBeVisible({ timeout: 10_000 });
    await expect(visible(family, `.cell-comm-card-${world.student.id}`)).toBeVisible();
    await shot(family, '01-mine-card-entries');
    await entry.click();
    await expect(family).toHaveURL(/#\/pages\/ecard\/index\?studentId=/);

    const card = visible(family, '[data-testid=ecard]');
    await expect(card).toHaveAttribute('data-status', 'valid');
    await expect(visible(family, '[data-testid=ecard-status]')).toHaveText('有效');
    await expect(visible(family, '[data-testid=ecard-name]')).toHaveText(world.student.name);
    await expect(visible(family, '[data-testid=ecard-school]')).toHaveText(world.school.name);
    await expect(visible(family, '[data-testid=ecard-class]')).toHaveText('三年级 2班');
    await expect(visible(family, '[data-testid=ecard-number]')).toHaveAttribute('data-value', world.student.cardNumber);
    await expect(visible(family, '[data-testid=ecard-validity]')).toHaveText(/学年/);
    await expect(visible(family, '[data-testid=ecard-countdown]')).toHaveText(/二维码 \d+ 秒后自动刷新/);

    // The QR code encodes the token the page holds.
    const tokenText = family.locator('[data-testid=ecard-token]').filter({ hasText: 'EC1.' }).last();
    const token = (await tokenText.textContent())!.trim();
    expect(token).toMatch(/^EC1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const qr = visible(family, '[data-testid=ecard-qr]');
    await expect(qr).toHaveAttribute('src', /^data:image\/svg\+xml;base64,/);
    // The <img> inside Taro's image element follows its src a frame later: poll.
    await expect.poll(() => decodeQr(qr)).toBe(token);
    await shot(family, '02-ecard');

    // It renews itself before it expires: 30 s later on the page's clock a new token is fetched.
    const renewed = family.waitForResponse((res) => res.url().includes(`/api/students/${world.student.id}/ecard`) && res.status() === 200);
    await family.clock.fastForward(31_000);
    const next = (await (await renewed).json()) as { token: string };
    await expect(tokenText).toHaveText(next.token);
    await expect.poll(() => decodeQr(qr)).toBe(next.token);

    // The staff page: 有效 with the masked name, school and class.
    const staff = await signedInPage(browser, world.staff.token);
    await staff.goto('/#/pages/verify/index');
    await expect(visible(staff, '.btn-verify')).toBeVisible({ timeout: 10_000 });
    await shot(staff, '03-verify-empty');
    const input = visible(staff, '.input-token textarea');
    await input.fill(next.token);
    await visible(staff, '.btn-verify').click();
    const result = visible(staff, '[data-testid=verify-result]');
    await expect(result).toHaveAttribute('data-result', 'valid');
    await expect(visible(staff, '[data-testid=verify-result-title]')).toHaveText('有效');
    const masked = [...world.student.name][0] + '*'.repeat([...world.student.name].length - 1);
    await expect(visible(staff, '[data-testid=verify-name]')).toHaveText(masked);
    await expect(visible(staff, '[data-testid=verify-school]')).toHaveText(world.school.name);
    await expect(visible(staff, '[data-testid=verify-class]')).toHaveText('三年级 2班');
    await shot(staff, '04-verify-valid');

    // The same token after its lifetime: the staff page's request asks the server for its verdict at that
    // instant (`at`, honoured outside production only). Just before the end it is still valid.
    const expiry = tokenExpiry(next.token);
    let at = new Date((expiry - 1) * 1000).toISOString();
    await staff.route('**/api/ecard/verify', async (route) => {
      const body = route.request().postDataJSON() as Record<string, unknown>;
      await route.continue({ postData: JSON.stringify({ ...body, at }) });
    });
    await visible(staff, '.btn-verify').click();
    await expect(result).toHaveAttribute('data-result', 'valid');
    at = new Date((expiry + EXPIRY_GRACE_S + 1) * 1000).toISOString();
    await visible(staff, '.btn-verify').click();
    await expect(result).toHaveAttribute('data-result', 'expired');
    await expect(visible(staff, '[data-testid=verify-result-title]')).toHaveText('已过期');
    await expect(visible(staff, '[data-testid=verify-result-reason]')).toContainText('过期');
    await expect(visible(staff, '[data-testid=verify-name]')).toHaveText(masked);
    await shot(staff, '05-verify-expired');
    await staff.unroute('**/api/ecard/verify');

    // One character changed: 无效, signature.
    await input.fill(tamper(next.token));
    await visible(staff, '.btn-verify').click();
    await expect(result).toHaveAttribute('data-result', 'invalid');
    await expect(visible(staff, '[data-testid=verify-result-title]')).toHaveText('无效');
    await expect(visible(staff, '[data-testid=verify-result-reason]')).toContainText('签名无效');
    await expect(visible(staff, '[data-testid=verify-name]')).toHaveCount(0);
    await shot(staff, '06-verify-tampered');

    // A family account cannot verify.
    await family.goto('/#/pages/verify/index');
    await expect(visible(family, '[data-testid=verify-forbidden]')).toBeVisible();

    await family.context().close();
    await staff.context().close();
  });

  test('the communication card: bind an existing number by SMS code; in H5 an order waits for payment in WeChat', async ({ browser }) => {
    test.setTimeout(60_000);
    const family = await signedInPage(browser, world.family.token);
    await family.goto(`/#/pages/comm-card/index?studentId=${world.student.id}`);
    await expect(visible(family, '[data-testid=comm-options]')).toBeVisible({ timeout: 10_000 });
    await expect(visible(family, '.comm-intro')).toContainText('自愿选用');
    await shot(family, '07-comm-card');

    // Without the code the bind is refused next to the field.
    const phone = mobile();
    await visible(family, '.input-phone input').fill(phone);
    await visible(family, '.btn-bind-phone').click();
    await expect(visible(family, '.error-smsCode')).toBeVisible();
    const since = Date.now();
    await visible(family, '.btn-send-code').click();
    await visible(family, '.input-smsCode input').fill(await smsCode(api, phone, since));
    await visible(family, '.btn-bind-phone').click();
    await expect(visible(family, '[data-testid=comm-binding-phone]')).toHaveText(`${phone.slice(0, 3)}****${phone.slice(7)}`);
    await shot(family, '08-comm-card-bound');

    // Ordering: the product with its price; H5 says payment happens in WeChat.
    await visible(family, '.option-order').click();
    await expect(visible(family, '[data-testid=comm-pay-in-wechat]')).toContainText('请在微信小程序中完成支付');
    await expect(visible(family, '[data-testid=product-price]').first()).toHaveText(/^¥\d+\.\d{2}$/);
    const orderButton = visible(family, '[data-testid=product] .submit-button').first();
    // An account never opened in WeChat has no openid to pay with: the server's message.
    await orderButton.click();
    await expect(visible(family, '[data-testid=order-notice]')).toContainText('微信');
    // Once the account is bound to WeChat (as the mini-program's login does), H5 creates the order and keeps it in the list.
    await sql('update accounts set wechat_mp_openid = $1 where id = $2', [`o${randomBytes(12).toString('base64url')}`, world.family.accountId]);
    await orderButton.click();
    await expect(family.locator('.taro-modal__title').filter({ visible: true })).toHaveText('请在微信中支付');
    await family.locator('.taro-model__confirm').filter({ visible: true }).click();
    const order = visible(family, '[data-testid=order]').first();
    await expect(order).toHaveAttribute('data-status', /^(created|paying)$/);
    await expect(order.locator('[data-testid=order-status]')).toHaveText('待支付');
    await expect(order).toContainText('请在微信小程序中完成支付');
    await shot(family, '09-comm-card-order');
    await family.context().close();
  });

  test('a revoked card verifies as 已注销 and the family card shows 已注销 without a QR', async ({ browser }) => {
    const family = await signedInPage(browser, world.family.token);
    await family.goto(`/#/pages/ecard/index?studentId=${world.student.id}`);
    const token = (await family.locator('[data-testid=ecard-token]').filter({ hasText: 'EC1.' }).last().textContent({ timeout: 10_000 }))!.trim();

    await sql('update students set card_revoked_at = now() where id = $1', [world.student.id]);
    const staff = await signedInPage(browser, world.staff.token);
    await staff.goto('/#/pages/verify/index');
    await visible(staff, '.input-token textarea').fill(token);
    await visible(staff, '.btn-verify').click();
    await expect(visible(staff, '[data-testid=verify-result]')).toHaveAttribute('data-result', 'revoked');
    await expect(visible(staff, '[data-testid=verify-result-title]')).toHaveText('已注销');
    await shot(staff, '10-verify-revoked');

    await visible(family, '[data-testid=ecard-refresh]').click();
    await expect(visible(family, '[data-testid=ecard]')).toHaveAttribute('data-status', 'revoked');
    await expect(visible(family, '[data-testid=ecard-status]')).toHaveText('已注销');
    await expect(visible(family, '[data-testid=ecard-no-qr]')).toBeVisible();
    await shot(family, '11-ecard-revoked');
    await family.context().close();
    await staff.context().close();
  });
});
