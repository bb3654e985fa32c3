import { randomBytes } from 'node:crypto';
import { expect, request as playwrightRequest, test, type APIRequestContext, type Locator, type Page } from '@playwright/test';
import jsQR from 'jsqr';
import { Client } from 'pg';
import { DATABASE_URL, mobile, shot as shotInto, signedInPage, smsCode, visible } from './support/helpers';
import { activateTeacher, importSchool, newChild, newSchool, registerFamily, submitChild, waitForStatus, type School, type Session } from './support/world';

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
 * outside production and only forward in time, which the test adds to the
 * staff page's request.
 */

const SHOTS = 'test-results/ecard';
const shot = (page: Page, name: string) => shotInto(page, SHOTS, name);
/** server/services/ecard/ecard-token.ts EXPIRY_GRACE_S: a token this little past its expiry still verifies. */
const EXPIRY_GRACE_S = 5;

async function sql(text: string, values: unknown[]): Promise<void> {
  const client = new Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(text, values);
  } finally {
    await client.end();
  }
}

interface World {
  school: School;
  student: { id: string; name: string; cardNumber: string };
  family: Session;
  staff: { token: string; name: string; accountId: string };
}

/** School, class and head teacher; registry row; family with an approved student; the teacher's account. */
async function buildWorld(api: APIRequestContext): Promise<World> {
  const school = newSchool();
  const child = newChild();
  const teacher = await importSchool(school, '2班', [{ child, className: '2班' }]);
  // The family registers (SMS code from the dev inbox) and submits data matching the registry: the registry match approves it.
  const family = await registerFamily(api, child.guardianPhone!);
  const { studentId } = await submitChild(api, family, school, child, '2班');
  const student = await waitForStatus(api, family, studentId, 'approved');
  // The head teacher activates the imported account with an SMS code.
  const staff = await activateTeacher(api, teacher);
  return {
    school,
    student: { id: studentId, name: child.name, cardNumber: student.card?.number ?? '' },
    family: { token: family.token, accountId: family.accountId },
    staff: { token: staff.token, name: teacher.name, accountId: staff.accountId },
  };
}

const problems: string[] = [];

/**
 * Decodes the QR image on the page (drawn into a canvas in the page, decoded here with jsQR). The
 * pixels cross over as one base64 string: as an array of numbers they took seconds (over 20 s on a
 * loaded machine), past expect.poll's timeout.
 */
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
    const rgba = ctx.getImageData(0, 0, size, size).data;
    let binary = '';
    for (let i = 0; i < rgba.length; i += 0x8000) binary += String.fromCharCode(...rgba.subarray(i, i + 0x8000));
    return { size, rgba: btoa(binary) };
  });
  return jsQR(new Uint8ClampedArray(Buffer.from(pixels.rgba, 'base64')), pixels.size, pixels.size)?.data;
}

/** EC2.<kid>.<expiry>.<sealed>.<signature>: the expiry is in clear (Unix seconds). */
function tokenExpiry(token: string): number {
  return Number(token.split('.')[2]);
}

/** One character of the signature changed (from its middle: the last one may only carry padding bits). */
function tamper(token: string): string {
  const cut = token.lastIndexOf('.');
  const signature = token.slice(cut + 1);
  const i = Math.floor(signature.length / 2);
  const swapped = signature[i] === 'A' ? 'B' : 'A';
  return `${token.slice(0, cut)}.${signature.slice(0, i)}${swapped}${signature.slice(i + 1)}`;
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
    const family = await signedInPage(browser, world.family.token, problems);
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
    const tokenText = family.locator('[data-testid=ecard-token]').filter({ hasText: 'EC2.' }).last();
    const token = (await tokenText.textContent())!.trim();
    expect(token).toMatch(/^EC2\.[A-Za-z0-9_-]{8}\.\d+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    // What a QR reader gets holds no card number (issue 12): not in clear, not base64url-encoded.
    const decoded = token.split('.').map((part) => Buffer.from(part, 'base64url').toString('latin1')).join('\n');
    for (const text of [token, decoded]) expect(text).not.toContain(world.student.cardNumber.slice(2));
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

    // The staff page (the school's own head teacher): 有效 with the masked name, school, class and card number.
    const staff = await signedInPage(browser, world.staff.token, problems);
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
    const number = world.student.cardNumber;
    await expect(visible(staff, '[data-testid=verify-card]')).toHaveText(`${number.slice(0, 4)} **** **** ${number.slice(-4)}`);
    await shot(staff, '04-verify-valid');

    // The same token after its lifetime: the staff page's request asks the server for its verdict at that
    // instant (`at`, honoured outside production only). Just before the end it is still valid.
    const expiry = tokenExpiry(next.token);
    let at = new Date((expiry - 1) * 1000).toISOString();
    await staff.route('**/api/ecard/verify', async (route) => {
      const body = route.request().postDataJSON() as Record<string, unknown>;
      await route.continue({ postData: JSON.stringify({ ...body, at }) });
    });
    // The card already shows 有效 from the scan above: wait for each answer, or the next click lands while the page is still busy.
    const verified = () => staff.waitForResponse((res) => res.url().endsWith('/api/ecard/verify') && res.request().method() === 'POST');
    let answered = verified();
    await visible(staff, '.btn-verify').click();
    expect((await (await answered).json()).result).toBe('valid');
    await expect(result).toHaveAttribute('data-result', 'valid');
    at = new Date((expiry + EXPIRY_GRACE_S + 1) * 1000).toISOString();
    answered = verified();
    await visible(staff, '.btn-verify').click();
    await answered;
    await expect(result).toHaveAttribute('data-result', 'expired');
    await expect(visible(staff, '[data-testid=verify-result-title]')).toHaveText('已过期');
    await expect(visible(staff, '[data-testid=verify-result-reason]')).toContainText('过期');
    // An expired token tells nothing but its state, even to the card's own school.
    await expect(visible(staff, '[data-testid=verify-name]')).toHaveCount(0);
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

  test('the communication card: bind a card the family holds by its number and an SMS code, unbind it; H5 says ordering needs the mini-program', async ({ browser }) => {
    test.setTimeout(60_000);
    const family = await signedInPage(browser, world.family.token, problems);
    await family.goto(`/#/pages/comm-card/index?studentId=${world.student.id}`);
    await expect(visible(family, '[data-testid=comm-options]')).toBeVisible({ timeout: 10_000 });
    await expect(visible(family, '.comm-intro')).toContainText('自愿选用');
    await expect(visible(family, '.option-bind')).toContainText('绑定已有通讯卡');
    await shot(family, '07-comm-card');

    // Without the card number and the code the bind is refused next to the fields.
    const phone = mobile();
    const cardNumber = `898601${String(Date.now()).slice(-13)}`;
    await visible(family, '.input-phone input').fill(phone);
    await visible(family, '.btn-bind-phone').click();
    await expect(visible(family, '.error-cardNumber')).toBeVisible();
    await expect(visible(family, '.error-smsCode')).toBeVisible();
    await visible(family, '.input-cardNumber input').fill(cardNumber);
    const since = Date.now();
    await visible(family, '.btn-send-code').click();
    await visible(family, '.input-smsCode input').fill(await smsCode(api, phone, since));
    await visible(family, '.btn-bind-phone').click();
    await expect(visible(family, '[data-testid=comm-binding-phone]')).toHaveText(`${phone.slice(0, 3)}****${phone.slice(7)}`);
    await expect(visible(family, '[data-testid=comm-binding-card]')).toHaveText(`卡号 8986 **** **** ***${cardNumber.slice(-4)}`);
    await shot(family, '08-comm-card-bound');

    // Unbind (after a confirmation).
    await visible(family, '.btn-unbind').click();
    await family.locator('.taro-model__confirm').filter({ visible: true }).click();
    await expect(family.locator('[data-testid=comm-binding]').filter({ visible: true })).toHaveCount(0);

    // Ordering: the product with its price; H5 says plainly that it cannot pay here, and offers no dead-end order.
    await visible(family, '.option-order').click();
    await expect(visible(family, '[data-testid=comm-pay-in-wechat]')).toContainText('网页端无法办理');
    await expect(visible(family, '[data-testid=product-price]').first()).toHaveText(/^¥\d+\.\d{2}$/);
    const orderButton = visible(family, '[data-testid=product] .submit-button').first();
    await expect(orderButton).toContainText('请在微信小程序中办理');
    await orderButton.click({ force: true });
    await expect(family.locator('[data-testid=order]')).toHaveCount(0);
    await shot(family, '09-comm-card-order-in-wechat');
    await family.context().close();
  });

  test('the school admin revokes the card with a reason: its token verifies as 已撤销 and the family card shows 已撤销 and why, without a QR', async ({ browser }) => {
    const family = await signedInPage(browser, world.family.token, problems);
    await family.goto(`/#/pages/ecard/index?studentId=${world.student.id}`);
    const token = (await family.locator('[data-testid=ecard-token]').filter({ hasText: 'EC2.' }).last().textContent({ timeout: 10_000 }))!.trim();

    // The centre makes the school's teacher its administrator; the administrator revokes through the API.
    await sql(`update accounts set role = 'school_admin' where id = $1`, [world.staff.accountId]);
    const revoked = await api.post(`/api/students/${world.student.id}/ecard/revocation`, {
      headers: { Authorization: `Bearer ${world.staff.token}` },
      data: { reason: '学生已转学至外省' },
    });
    expect(revoked.status()).toBe(200);
    expect(await revoked.json()).toMatchObject({ status: 'revoked', revokedReason: '学生已转学至外省' });

    const staff = await signedInPage(browser, world.staff.token, problems);
    await staff.goto('/#/pages/verify/index');
    await visible(staff, '.input-token textarea').fill(token);
    await visible(staff, '.btn-verify').click();
    await expect(visible(staff, '[data-testid=verify-result]')).toHaveAttribute('data-result', 'revoked');
    await expect(visible(staff, '[data-testid=verify-result-title]')).toHaveText('已撤销');
    await expect(visible(staff, '[data-testid=verify-name]')).toHaveCount(0);
    await shot(staff, '10-verify-revoked');

    await visible(family, '[data-testid=ecard-refresh]').click();
    await expect(visible(family, '[data-testid=ecard]')).toHaveAttribute('data-status', 'revoked');
    await expect(visible(family, '[data-testid=ecard-status]')).toHaveText('已撤销');
    await expect(visible(family, '[data-testid=ecard-no-qr]')).toBeVisible();
    await expect(visible(family, '[data-testid=ecard-revoked-reason]')).toHaveText('撤销原因：学生已转学至外省');
    await shot(family, '11-ecard-revoked');
    await family.context().close();
    await staff.context().close();
  });
});
