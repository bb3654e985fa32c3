import fs from 'node:fs';
import { expect, request as playwrightRequest, test, type APIRequestContext, type Page } from '@playwright/test';
import { json, shot as shotInto, signedInPage, visible } from './support/helpers';
import { activateTeacher, importSchool, newChild, newSchool, registerFamily, submitChild, waitForStatus, type Session } from './support/world';

/**
 * Review evidence in the H5 build, against the whole running system: the head
 * teacher returns a 借读 submission asking for a certificate → the family's
 * profile form offers 证明材料, takes a photo (a real JPEG through the browser's
 * file input), refuses an executable renamed .jpg with the server's Chinese
 * message → the family resubmits → the head teacher's review page lists the
 * photo under 家长补充的材料 and opens it.
 */

const SHOTS = 'test-results/review-evidence';
const shot = (page: Page, name: string) => shotInto(page, SHOTS, name);

// A 1×1 JPEG (baseline, grey), as a phone camera would send a (much larger) one.
const JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAACf/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AKp//2Q==',
  'base64',
);
const EXE = Buffer.concat([Buffer.from('MZ\x90\0\x03\0\0\0\x04\0\0\0', 'latin1'), Buffer.alloc(2048, 0)]);

const school = newSchool('南京市建邺区借读小学');
const problems: string[] = [];
let api: APIRequestContext;
let teacher: Session;
let family: Session & { phone: string; studentId: string; versionId: string };

const auth = (session: Session) => ({ Authorization: `Bearer ${session.token}` });

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  fs.mkdirSync(SHOTS, { recursive: true });
  api = await playwrightRequest.newContext({ baseURL: test.info().project.use.baseURL });
  teacher = await activateTeacher(api, await importSchool(school, '2班', [{ child: newChild(), className: '2班' }]));
  // A child the registry does not know (借读): the submission waits for the head teacher.
  const registered = await registerFamily(api);
  const submitted = await submitChild(api, registered, school, newChild(), '2班');
  family = { ...registered, ...submitted };
  await waitForStatus(api, family, family.studentId, 'pending_review');
  await json(
    await api.post(`/api/reviews/${family.versionId}/return`, { headers: auth(teacher), data: { reasonPreset: '借读生请补充说明', reasonText: '请上传借读证明的照片' } }),
    200,
  );
});

test.afterAll(async () => {
  await api?.dispose();
});

test('a family attaches the certificate the head teacher asked for, and only the reviewer opens it', async ({ browser }) => {
  test.setTimeout(90_000);
  const page = await signedInPage(browser, family.token, problems);
  await page.goto(`/#/pages/profile-form/index?studentId=${family.studentId}`);
  const evidence = visible(page, '[data-testid=evidence-attachments]');
  await expect(evidence).toContainText('班主任要求补充材料（借读生请补充说明：请上传借读证明的照片）');
  await expect(evidence).toContainText('仅审核老师可见');

  // An executable renamed .jpg: refused by its bytes, with the server's message.
  let chooser = page.waitForEvent('filechooser');
  await visible(page, '[data-testid=evidence-add]').click();
  await (await chooser).setFiles({ name: '借读证明.jpg', mimeType: 'image/jpeg', buffer: EXE });
  await expect(visible(page, '[data-testid=evidence-error]')).toContainText('文件含有可执行内容，不能上传');
  await expect(page.locator('[data-testid=evidence-item]')).toHaveCount(0);

  // The real photo.
  chooser = page.waitForEvent('filechooser');
  await visible(page, '[data-testid=evidence-add]').click();
  await (await chooser).setFiles({ name: '借读证明.jpg', mimeType: 'image/jpeg', buffer: JPEG });
  await expect(visible(page, '[data-testid=evidence-item]')).toContainText('借读证明.jpg');
  await expect(page.locator('[data-testid=evidence-error]').filter({ visible: true })).toHaveCount(0);
  await shot(page, '1-family-attached');

  // Resubmitted (the same data: the certificate is what was missing).
  const draft = await json<{ draft: Record<string, unknown> }>(await api.get(`/api/students/${family.studentId}/draft`, { headers: auth(family) }), 200);
  const resubmitted = await json<{ versionId: string }>(await api.post(`/api/students/${family.studentId}/submissions`, { headers: auth(family), data: draft.draft }), 201);
  await waitForStatus(api, family, family.studentId, 'pending_review');

  // Not for the family to fetch back.
  expect((await api.get(`/api/reviews/${resubmitted.versionId}/attachments`, { headers: auth(family) })).status()).toBe(403);

  const teacherPage = await signedInPage(browser, teacher.token, problems);
  await teacherPage.goto(`/#/pages/review/detail?id=${resubmitted.versionId}`);
  const list = visible(teacherPage, '[data-testid=review-attachments]');
  await expect(list).toContainText('家长补充的材料');
  await expect(list.locator('[data-testid=review-attachment]')).toContainText('借读证明.jpg');
  await expect(list.locator('[data-testid=review-attachment]')).toContainText('图片');
  await shot(teacherPage, '2-teacher-sees-attachment');
  await list.getByText('查看').click();
  const preview = teacherPage.locator('.preview-image img').first();
  await expect(preview).toHaveAttribute('src', /^blob:/);
  await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);
  await shot(teacherPage, '3-teacher-opens-attachment');
  expect(problems).toEqual([]);
});
