/**
 * A published notice changed by its author within the edit window: edited
 * text is what families read, a withdrawn notice disappears for families (and
 * from the catch-up of families approved later), images and PDFs reach the
 * recipients only; after the window, or by anyone but the author, nothing changes.
 */
import { eq, sql } from 'drizzle-orm';
import request from 'supertest';
import { auditLog, notices, outbox } from '../../../db/schema';
import { fanOutNotice } from '../../../services/notices/fanout';
import { createApp } from '../../app';
import { randomIp } from '../auth/auth-test-support';
import { createProfileHarness, registryFor, submissionBody, type ProfileHarness } from '../students/profile-test-support';
import type { Class, School } from '../../../test/factories';

jest.setTimeout(60_000);

let h: ProfileHarness;
let app: ReturnType<ReturnType<typeof createApp>['callback']>;

beforeAll(async () => {
  h = await createProfileHarness();
  app = createApp(h.ctx).callback();
});

afterAll(async () => {
  await h.close();
});

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(1200, 3)]);
const EXE = Buffer.concat([Buffer.from('\x7fELF\x02\x01\x01', 'latin1'), Buffer.alloc(1200, 0)]);

async function publish(token: string, classIds: string[]): Promise<string> {
  const res = await h.api.post('/api/notices', token, { type: '通知', title: '春游通知', body: '周五春游，请带午餐。', classIds, requiresConfirmation: true });
  expect(res.status).toBe(201);
  await fanOutNotice(h.ctx, { noticeId: res.body.id });
  await h.ctx.db.update(outbox).set({ dispatchedAt: sql`now()` }).where(sql`${outbox.payload}->>'noticeId' = ${res.body.id}`);
  return res.body.id as string;
}

async function approvedFamily(school: School, klass: Class) {
  const family = await h.family();
  const studentId = (await h.api.post('/api/students', family.token)).body.id as string;
  const body = submissionBody({ school, klass });
  await registryFor(h, body, school, klass, { guardianPhones: [family.phone] });
  const res = await h.api.post(`/api/students/${studentId}/submissions`, family.token, body);
  expect((await h.relayAndMatch(res.body.versionId)).status).toBe('approved');
  return family;
}

const attach = (noticeId: string, token: string, bytes: Buffer, fileName: string) =>
  request(app)
    .post(`/api/notices/${noticeId}/attachments?fileName=${encodeURIComponent(fileName)}`)
    .set('X-Forwarded-For', randomIp())
    .set('Authorization', `Bearer ${token}`)
    .set('Content-Type', 'application/octet-stream')
    .send(bytes);
const mineIds = async (token: string) => ((await h.api.get('/api/notices/mine', token)).body.items as { id: string }[]).map((i) => i.id);

describe('changing a published notice', () => {
  test('When the author edits the notice and adds a picture, then families read the edited text, see it was edited and open the picture', async () => {
    const { school, klass, teacher } = await h.schoolWithClass();
    const family = await approvedFamily(school, klass);
    const id = await publish(teacher.token, [klass.id]);

    const edited = await h.api.patch(`/api/notices/${id}`, teacher.token, { body: '周五春游改到周六，请带午餐和水。' });
    const picture = await attach(id, teacher.token, PNG, '路线图.png');

    expect(edited.status).toBe(200);
    expect(edited.body).toEqual({ id, editedAt: expect.any(String), withdrawnAt: null });
    expect(picture.status).toBe(201);
    expect(picture.body).toMatchObject({ fileName: '路线图.png', contentType: 'image/png', size: PNG.length });
    const seen = await h.api.get(`/api/notices/${id}`, family.token);
    expect(seen.body).toMatchObject({ body: '周五春游改到周六，请带午餐和水。', editedAt: edited.body.editedAt, attachments: [picture.body], editableUntil: null });
    const file = await h.api.get(`/api/notices/${id}/attachments/${picture.body.id}`, family.token).buffer(true).parse((r, cb) => {
      const parts: Buffer[] = [];
      r.on('data', (c: Buffer) => parts.push(c));
      r.on('end', () => cb(null, Buffer.concat(parts)));
    });
    expect([file.status, file.headers['content-type']]).toEqual([200, 'image/png']);
    expect((file.body as Buffer).equals(PNG)).toBe(true);
    const authorView = await h.api.get(`/api/notices/${id}`, teacher.token);
    expect(new Date(authorView.body.editableUntil).getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
    const audited = await h.ctx.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.subjectId, id));
    expect(audited.map((a) => a.action)).toEqual(expect.arrayContaining(['notice.attachment_added', 'notice.edited']));

    // Not a family of the class: the file is not theirs.
    const stranger = await h.family();
    expect((await h.api.get(`/api/notices/${id}/attachments/${picture.body.id}`, stranger.token)).status).toBe(404);
    // An executable is refused.
    const exe = await attach(id, teacher.token, EXE, '路线图.png');
    expect([exe.status, exe.body.error.code]).toEqual([400, 'FILE_EXECUTABLE']);
  });

  test('When the author withdraws the notice, then it disappears for families (list, detail, confirm, attachments) and for families approved later, and stays in the author\'s list marked withdrawn', async () => {
    const { school, klass, teacher } = await h.schoolWithClass();
    const family = await approvedFamily(school, klass);
    const id = await publish(teacher.token, [klass.id]);
    const picture = await attach(id, teacher.token, PNG, 'a.png');
    expect(await mineIds(family.token)).toContain(id);

    const withdrawn = await h.api.post(`/api/notices/${id}/withdraw`, teacher.token);

    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.withdrawnAt).toEqual(expect.any(String));
    expect(await mineIds(family.token)).not.toContain(id);
    expect((await h.api.get(`/api/notices/${id}`, family.token)).status).toBe(404);
    expect((await h.api.post(`/api/notices/${id}/confirm`, family.token)).status).toBe(404);
    expect((await h.api.get(`/api/notices/${id}/attachments/${picture.body.id}`, family.token)).status).toBe(404);
    const later = await approvedFamily(school, klass);
    expect(await mineIds(later.token)).not.toContain(id);
    const sent = await h.api.get('/api/notices/sent', teacher.token);
    expect(sent.body.items.find((n: { id: string }) => n.id === id)).toMatchObject({ withdrawnAt: withdrawn.body.withdrawnAt });
    expect((await h.api.post(`/api/notices/${id}/remind`, teacher.token)).body.error.code).toBe('NOTICE_WITHDRAWN');
    expect((await h.api.patch(`/api/notices/${id}`, teacher.token, { title: '又改' })).body.error.code).toBe('NOTICE_WITHDRAWN');
  });

  test('When the edit window has passed, or the caller is not the author, then the notice cannot be edited, withdrawn or added to', async () => {
    const { school, klass, teacher } = await h.schoolWithClass();
    const id = await publish(teacher.token, [klass.id]);
    const admin = await h.staff('school_admin', school.id);
    const colleague = await h.staff('teacher', school.id);

    expect((await h.api.patch(`/api/notices/${id}`, admin.token, { title: '改标题' })).status).toBe(403);
    expect((await h.api.post(`/api/notices/${id}/withdraw`, colleague.token)).status).toBe(403);
    expect((await h.api.patch(`/api/notices/${id}`, teacher.token, {})).status).toBe(400);

    await h.ctx.db.update(notices).set({ createdAt: sql`now() - interval '25 hours'` }).where(eq(notices.id, id));
    const late = await h.api.patch(`/api/notices/${id}`, teacher.token, { title: '改标题' });
    expect([late.status, late.body.error]).toEqual([409, { code: 'NOTICE_EDIT_CLOSED', message: '通知发布已超过可修改时间，不能再修改或撤回' }]);
    expect((await h.api.post(`/api/notices/${id}/withdraw`, teacher.token)).body.error.code).toBe('NOTICE_EDIT_CLOSED');
    expect((await attach(id, teacher.token, PNG, 'late.png')).body.error.code).toBe('NOTICE_EDIT_CLOSED');
    expect((await h.api.get(`/api/notices/${id}`, teacher.token)).body.editableUntil).toBeNull();
  });
});
