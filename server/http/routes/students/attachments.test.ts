/**
 * Review evidence: when the head teacher's return reason asks for a document,
 * the family attaches a photo or a PDF (checked by its bytes: an executable
 * renamed .jpg is refused, so is a file over the limit), the reviewers of the
 * class see and download it with the resubmission (audited), nobody else does,
 * and the cleanup job removes it once a later submission has been decided long enough.
 */
import { createHash } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import request from 'supertest';
import { auditLog, profileVersions, reviewAttachments, storedFiles } from '../../../db/schema';
import { removeDecidedEvidence } from '../../../services/reviews/review-attachments';
import { buildClass, buildSchool } from '../../../test/factories';
import { createApp } from '../../app';
import { randomIp } from '../auth/auth-test-support';
import { createProfileHarness, registryFor, submissionBody, type ProfileHarness } from './profile-test-support';

jest.setTimeout(60_000);

let h: ProfileHarness;

beforeAll(async () => {
  h = await createProfileHarness();
});

afterAll(async () => {
  await h?.close();
});

const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0'), Buffer.alloc(3000, 9)]);
const PDF = Buffer.from(`%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n${'0'.repeat(2000)}\n%%EOF\n`, 'latin1');
const EXE = Buffer.concat([Buffer.from('MZ\x90\0\x03\0\0\0\x04\0', 'latin1'), Buffer.alloc(4000, 0)]);

let app: ReturnType<ReturnType<typeof createApp>['callback']>;
beforeAll(() => {
  app = createApp(h.ctx).callback();
});

function upload(studentId: string, token: string, bytes: Buffer, fileName: string) {
  return request(app)
    .post(`/api/students/${studentId}/attachments?fileName=${encodeURIComponent(fileName)}`)
    .set('X-Forwarded-For', randomIp())
    .set('Authorization', `Bearer ${token}`)
    .set('Content-Type', 'application/octet-stream')
    .send(bytes);
}

function binary(res: request.Test) {
  return res.buffer(true).parse((r, cb) => {
    const parts: Buffer[] = [];
    r.on('data', (c: Buffer) => parts.push(c));
    r.on('end', () => cb(null, Buffer.concat(parts)));
  });
}

/** A submission the registry does not know, returned by its head teacher with `reason`. */
async function returnedSubmission(reason: { reasonPreset: string; reasonText?: string }) {
  const { school, klass, teacher } = await h.schoolWithClass();
  const family = await h.family();
  const studentId = (await h.api.post('/api/students', family.token)).body.id as string;
  const body = submissionBody({ school, klass });
  const res = await h.api.post(`/api/students/${studentId}/submissions`, family.token, body);
  expect(res.status).toBe(201);
  await h.relayAndMatch(res.body.versionId);
  const returned = await h.api.post(`/api/reviews/${res.body.versionId}/return`, teacher.token, reason);
  expect(returned.status).toBe(200);
  return { school, klass, teacher, family, studentId, returnedVersionId: res.body.versionId as string, body };
}

describe('review evidence attachments', () => {
  test('When a 借读 return asks for a document, then the family attaches a photo and a PDF, the head teacher sees them with the resubmission and downloads them (audited)', async () => {
    const s = await returnedSubmission({ reasonPreset: '借读生请补充说明', reasonText: '请上传借读证明' });

    const photo = await upload(s.studentId, s.family.token, JPEG, '借读证明.jpg');
    const pdf = await upload(s.studentId, s.family.token, PDF, '转学联系函.pdf');

    expect(photo.status).toBe(201);
    expect(photo.body).toMatchObject({ fileName: '借读证明.jpg', contentType: 'image/jpeg', size: JPEG.length });
    expect(pdf.body).toMatchObject({ contentType: 'application/pdf' });
    const mine = await h.api.get(`/api/students/${s.studentId}/attachments`, s.family.token);
    expect(mine.body).toEqual({ items: [expect.objectContaining({ id: photo.body.id }), expect.objectContaining({ id: pdf.body.id })], maxItems: 5, maxBytes: h.ctx.config.ATTACHMENT_MAX_BYTES });
    expect(await h.auditActions(photo.body.id)).toEqual(['review.attachment_uploaded']);

    // A wrong file is removed before resubmitting.
    const wrong = await upload(s.studentId, s.family.token, JPEG, 'wrong.jpg');
    expect((await h.api.delete(`/api/students/${s.studentId}/attachments/${wrong.body.id}`, s.family.token)).body).toEqual({ attachmentId: wrong.body.id, deleted: true });

    const resubmitted = await h.api.post(`/api/students/${s.studentId}/submissions`, s.family.token, s.body);
    expect(resubmitted.status).toBe(201);
    await h.relayAndMatch(resubmitted.body.versionId);
    const versionId = resubmitted.body.versionId as string;

    const list = await h.api.get(`/api/reviews/${versionId}/attachments`, s.teacher.token);
    expect(list.status).toBe(200);
    expect(list.body.items.map((i: { fileName: string }) => i.fileName)).toEqual(['借读证明.jpg', '转学联系函.pdf']);
    const file = await binary(h.api.get(`/api/reviews/${versionId}/attachments/${photo.body.id}`, s.teacher.token));
    expect(file.status).toBe(200);
    expect((file.body as Buffer).equals(JPEG)).toBe(true);
    expect(file.headers['content-type']).toBe('image/jpeg');
    expect(file.headers['content-disposition']).toMatch(/^attachment;/);
    expect(file.headers['x-content-type-options']).toBe('nosniff');
    const downloads = await h.ctx.db
      .select({ actor: auditLog.actorAccountId })
      .from(auditLog)
      .where(and(eq(auditLog.subjectId, photo.body.id), eq(auditLog.action, 'review.attachment_downloaded')));
    expect(downloads).toEqual([{ actor: s.teacher.accountId }]);

    // Resubmitted: the attachment can no longer be removed by the family, nor added to.
    expect((await h.api.delete(`/api/students/${s.studentId}/attachments/${photo.body.id}`, s.family.token)).status).toBe(409);
    expect((await upload(s.studentId, s.family.token, JPEG, 'late.jpg')).body.error.code).toBe('ATTACHMENT_NOT_REQUESTED');
  });

  test('When another class\'s head teacher, another school\'s admin or another family asks, then they see nothing of the evidence', async () => {
    const s = await returnedSubmission({ reasonPreset: '其他', reasonText: '请补充户口簿照片' });
    const photo = await upload(s.studentId, s.family.token, JPEG, 'hukou.jpg');
    expect(photo.status).toBe(201);
    const resubmitted = await h.api.post(`/api/students/${s.studentId}/submissions`, s.family.token, s.body);
    const versionId = resubmitted.body.versionId as string;

    const otherHead = await h.staff('teacher', s.school.id);
    await buildClass(h.ctx.db, { schoolId: s.school.id, grade: s.klass.grade, headTeacherId: otherHead.accountId });
    const otherSchool = await buildSchool(h.ctx.db);
    const otherAdmin = await h.staff('school_admin', otherSchool.id);
    const sameAdmin = await h.staff('school_admin', s.school.id);
    const otherFamily = await h.family();
    const path = `/api/reviews/${versionId}/attachments/${photo.body.id}`;

    expect((await h.api.get(path, otherHead.token)).status).toBe(403);
    expect((await h.api.get(path, otherAdmin.token)).status).toBe(404);
    expect((await h.api.get(path, s.family.token)).status).toBe(403);
    expect((await h.api.get(`/api/students/${s.studentId}/attachments`, otherFamily.token)).status).toBe(404);
    expect((await binary(h.api.get(path, sameAdmin.token))).status).toBe(200);
  });

  test('When the file is an executable renamed .jpg, a text file, empty or over the limit, then 400 with a Chinese message and nothing is stored', async () => {
    const s = await returnedSubmission({ reasonPreset: '借读生请补充说明' });

    const exe = await upload(s.studentId, s.family.token, EXE, '借读证明.jpg');
    const text = await upload(s.studentId, s.family.token, Buffer.from('not a picture at all'), 'photo.png');
    const empty = await upload(s.studentId, s.family.token, Buffer.alloc(0), 'photo.png');
    const big = await upload(s.studentId, s.family.token, Buffer.concat([JPEG, Buffer.alloc(h.ctx.config.ATTACHMENT_MAX_BYTES)]), 'big.jpg');
    const badName = await upload(s.studentId, s.family.token, JPEG, 'a\u202Egpj.exe');

    expect([exe.status, exe.body.error]).toEqual([400, { code: 'FILE_EXECUTABLE', message: '文件含有可执行内容，不能上传' }]);
    expect([text.status, text.body.error]).toEqual([400, { code: 'FILE_TYPE_NOT_ALLOWED', message: '只能上传 JPG、PNG 图片或 PDF 文件' }]);
    expect([empty.status, empty.body.error.code]).toEqual([400, 'FILE_REQUIRED']);
    expect([big.status, big.body.error]).toEqual([400, { code: 'FILE_TOO_LARGE', message: '文件过大，请压缩后重新上传' }]);
    expect([badName.status, badName.body.error.code, badName.body.error.fields]).toEqual([400, 'VALIDATION_FAILED', { 'query.fileName': '文件名无效，请重命名后重新上传' }]);
    const hashes = [EXE, JPEG].map((b) => createHash('sha256').update(b).digest('hex'));
    const storedForStudent = await h.ctx.db.select({ id: storedFiles.id }).from(storedFiles).where(inArray(storedFiles.sha256, hashes.slice(0, 1)));
    expect(storedForStudent).toEqual([]);
    expect(await h.ctx.db.select().from(reviewAttachments).where(eq(reviewAttachments.studentId, s.studentId))).toEqual([]);
  });

  test('When the return asks for no document, or five files are attached, then no (further) attachment is taken', async () => {
    const plain = await returnedSubmission({ reasonPreset: '姓名与学籍不一致' });
    const refused = await upload(plain.studentId, plain.family.token, JPEG, 'x.jpg');
    expect([refused.status, refused.body.error.code]).toEqual([409, 'ATTACHMENT_NOT_REQUESTED']);

    const s = await returnedSubmission({ reasonPreset: '借读生请补充说明' });
    for (let i = 0; i < 5; i += 1) expect((await upload(s.studentId, s.family.token, JPEG, `p${i}.jpg`)).status).toBe(201);
    const sixth = await upload(s.studentId, s.family.token, JPEG, 'p5.jpg');
    expect([sixth.status, sixth.body.error.code]).toEqual([409, 'ATTACHMENT_LIMIT']);
  });

  test('When a later submission was decided more than the retention period ago, then the cleanup removes the attachment and its file; a recent decision keeps it', async () => {
    const s = await returnedSubmission({ reasonPreset: '借读生请补充说明' });
    const photo = await upload(s.studentId, s.family.token, JPEG, 'proof.jpg');
    const resubmitted = await h.api.post(`/api/students/${s.studentId}/submissions`, s.family.token, s.body);
    await h.relayAndMatch(resubmitted.body.versionId);
    await h.api.post(`/api/reviews/${resubmitted.body.versionId}/approve`, s.teacher.token, {});
    const [attachment] = await h.ctx.db.select().from(reviewAttachments).where(eq(reviewAttachments.id, photo.body.id));

    await removeDecidedEvidence(h.ctx, 90);
    expect(await h.ctx.db.select().from(reviewAttachments).where(eq(reviewAttachments.id, photo.body.id))).toHaveLength(1);

    await h.ctx.db.update(profileVersions).set({ decidedAt: sql`now() - interval '91 days'` }).where(eq(profileVersions.id, resubmitted.body.versionId));
    expect(await removeDecidedEvidence(h.ctx, 90)).toBeGreaterThanOrEqual(1);
    expect(await h.ctx.db.select().from(reviewAttachments).where(eq(reviewAttachments.id, photo.body.id))).toEqual([]);
    expect(await h.ctx.storage.head(attachment!.fileId)).toBeNull();
  });
});
