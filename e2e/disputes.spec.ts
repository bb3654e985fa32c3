import fs from 'node:fs';
import { expect, request as playwrightRequest, test, type APIRequestContext, type Page } from '@playwright/test';
import { json, shot as shotInto, signedInPage, visible, watchProblems } from './support/helpers';
import { activateTeacher, importSchool, newChild, newSchool, registerFamily, submitChild, waitForStatus, type Session } from './support/world';

/**
 * Issue 12, attack 1 — a stranger who knows a child's facts claims the card —
 * and the dispute (身份申诉) that gives the real family a way out, in the H5
 * build against the whole running system (API, registry-match worker, outbox
 * relay, PostgreSQL, Redis):
 *
 * 1. the registry (imported with the operators' tool) names the real family's
 *    phone as 监护人1手机号; a stranger registers with another phone and submits
 *    every right fact → not approved: it waits for the head teacher, who sees
 *    监护人手机号与学籍库不一致 with the phones masked;
 * 2. the head teacher approves it anyway (no evidence either way on paper);
 * 3. the real family registers with the guardian phone and submits → the
 *    submission is not refused: it becomes a dispute for the head teacher, and
 *    the stranger's family is told at once (review.disputed, WeChat and SMS);
 * 4. the teacher opens the dispute (both claims side by side) and transfers the
 *    card → the stranger's e-card says it is revoked (注销), the real family's
 *    shows 有效.
 */

const SHOTS = 'test-results/disputes';
const shot = (page: Page, name: string) => shotInto(page, SHOTS, name);

let api: APIRequestContext;

test.beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  api = await playwrightRequest.newContext({ baseURL: test.info().project.use.baseURL });
});

test.afterAll(async () => {
  await api?.dispose();
});

interface InboxNotification {
  kind: string;
  accountId: string;
  data: Record<string, unknown>;
}

async function inbox(): Promise<InboxNotification[]> {
  return (await json<{ notifications: InboxNotification[] }>(await api.get('/api/dev/inbox?limit=200'), 200)).notifications;
}

const masked = (phone: string) => `${phone.slice(0, 3)}****${phone.slice(-4)}`;

test('a stranger claim goes to review, is approved anyway; the real family disputes it; the teacher transfers the card', async ({ browser }) => {
  test.setTimeout(180_000);
  const problems: string[] = [];
  const school = newSchool();
  const child = newChild();
  const imported = await importSchool(school, '2班', [{ child, className: '2班' }]);
  const teacher = await activateTeacher(api, imported);

  // 1. The stranger: every fact right, but not the guardian the registry knows.
  const stranger = await registerFamily(api);
  const strangerClaim = await submitChild(api, stranger, school, child, '2班');
  await waitForStatus(api, stranger, strangerClaim.studentId, 'pending_review');

  const teacherPage = await signedInPage(browser, teacher.token, problems);
  watchProblems(teacherPage, problems);
  await teacherPage.goto(`/#/pages/review/detail?id=${strangerClaim.versionId}`);
  const detail = visible(teacherPage, '[data-testid=review-detail]');
  await expect(detail).toHaveAttribute('data-status', 'pending_review');
  await expect(visible(teacherPage, '[data-testid=match-outcome]')).toContainText('监护人手机号与学籍库不一致');
  const evidence = visible(teacherPage, '[data-testid=guardian-evidence]');
  await expect(evidence).toHaveAttribute('data-outcome', 'mismatch');
  await expect(evidence).toContainText(masked(stranger.phone));
  await expect(evidence).toContainText(masked(child.guardianPhone!));
  await expect(evidence).not.toContainText(child.guardianPhone!);
  await shot(teacherPage, '01-stranger-claim-review');

  // 2. The head teacher approves it anyway.
  await visible(teacherPage, '.btn-approve').click();
  await teacherPage.locator('.taro-model__confirm').filter({ visible: true }).click();
  await expect(detail).toHaveAttribute('data-status', 'approved', { timeout: 10_000 });
  const strangerCard = (await waitForStatus(api, stranger, strangerClaim.studentId, 'approved')).card!.number;

  // 3. The real family: registered with the registry's guardian phone. Its submission becomes a dispute.
  const family: Session & { phone: string } = await registerFamily(api, child.guardianPhone!);
  const claim = await submitChild(api, family, school, child, '2班');
  await waitForStatus(api, family, claim.studentId, 'disputed');
  await expect
    .poll(async () =>
      (await inbox())
        .filter((n) => n.kind === 'review.disputed' && n.accountId === stranger.accountId)
        .map((n) => `${String(n.data.phase)}/${String(n.data.deliverOn)}`)
        .sort(),
    )
    .toEqual(['filed/sms', 'filed/wechat']);

  // 4. The dispute, both sides, and the transfer.
  await teacherPage.goto(`/#/pages/review/detail?id=${claim.versionId}`);
  await expect(detail).toHaveAttribute('data-status', 'disputed');
  await expect(visible(teacherPage, '[data-testid=dispute-holder]')).toContainText(strangerCard);
  await expect(visible(teacherPage, '[data-testid=dispute-holder-evidence]')).toHaveAttribute('data-outcome', 'mismatch');
  await expect(visible(teacherPage, '[data-testid=dispute-claimant-evidence]')).toHaveAttribute('data-outcome', 'match');
  await expect(teacherPage.locator('.btn-approve')).toHaveCount(0);
  await shot(teacherPage, '02-dispute-side-by-side');
  await visible(teacherPage, '.btn-dispute-transfer').click();
  await teacherPage.locator('.taro-model__confirm').filter({ visible: true }).click();
  await expect(detail).toHaveAttribute('data-status', 'approved', { timeout: 10_000 });
  await shot(teacherPage, '03-dispute-transferred');

  // The stranger's e-card is revoked, the real family's is valid.
  const strangerPage = await signedInPage(browser, stranger.token, problems);
  await strangerPage.goto(`/#/pages/ecard/index?studentId=${strangerClaim.studentId}`);
  await expect(visible(strangerPage, '[data-testid=ecard]')).toHaveAttribute('data-status', 'revoked');
  await expect(visible(strangerPage, '[data-testid=ecard-no-qr]')).toContainText('电子教育卡已撤销');
  await expect(visible(strangerPage, '[data-testid=ecard-no-qr]')).toContainText('教育卡已转至另一账号');
  await shot(strangerPage, '04-stranger-ecard-revoked');
  const familyPage = await signedInPage(browser, family.token, problems);
  await familyPage.goto(`/#/pages/ecard/index?studentId=${claim.studentId}`);
  await expect(visible(familyPage, '[data-testid=ecard]')).toHaveAttribute('data-status', 'valid');
  await expect(visible(familyPage, '[data-testid=ecard-status]')).toHaveText('有效');
  await shot(familyPage, '05-family-ecard-valid');
  expect(problems).toEqual([]);
});
