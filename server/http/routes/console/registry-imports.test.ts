/**
 * Registry imports by upload in the console: the raw file streams into storage,
 * the registry-import worker's processor imports it with the registry importer
 * (progress saved as it reads), and the operator reads the progress, the
 * history and downloads the problems report (audited).
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import request from 'supertest';
import { RegistryImportViewSchema } from '../../../../domain/api/uploads';
import { auditLog, outbox, registryImports, registryRecords, storedFiles } from '../../../db/schema';
import { createSession } from '../../../services/accounts/sessions';
import { randomRegistryRow, randomSchool, registryCsv } from '../../../services/registry-import/registry-file.fixtures';
import { runRegistryImport } from '../../../services/registry-import/registry-upload';
import { buildAccount } from '../../../test/factories';
import { createApp } from '../../app';
import { createHarness, randomIp, type Harness } from '../auth/auth-test-support';

jest.setTimeout(60_000);

let h: Harness;
let app: ReturnType<ReturnType<typeof createApp>['callback']>;
let operator: { id: string; token: string };

beforeAll(async () => {
  h = await createHarness();
  app = createApp(h.ctx).callback();
  const account = await buildAccount(h.ctx.db, { role: 'operator', schoolId: null });
  const session = await createSession(h.ctx.db, h.ctx, { accountId: account.id, channel: 'console', meta: { ip: '127.0.0.1', requestId: 't', userAgent: null } });
  operator = { id: account.id, token: session.token };
});

afterAll(async () => {
  await h?.close();
});

const upload = (body: Buffer | string, query: string) =>
  request(app)
    .post(`/api/console/registry-imports?${query}`)
    .set('X-Forwarded-For', randomIp())
    .set('Authorization', `Bearer ${operator.token}`)
    .set('Content-Type', 'application/octet-stream')
    .send(Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'));
const get = (path: string) => request(app).get(path).set('X-Forwarded-For', randomIp()).set('Authorization', `Bearer ${operator.token}`);

describe('registry imports by upload', () => {
  test('When an operator uploads a registry CSV with one bad row, then it is stored and queued, the worker imports the good rows with progress, and the report names the bad row', async () => {
    const school = randomSchool();
    const rows = Array.from({ length: 30 }, () => randomRegistryRow(school));
    rows[7] = { ...rows[7]!, 身份证号: '110101201501011234' };
    const csv = registryCsv(rows);

    const res = await upload(csv, `fileName=${encodeURIComponent('C:\\导出\\学籍.csv')}`);

    expect(res.status).toBe(201);
    const queued = RegistryImportViewSchema.parse(res.body);
    expect(queued).toMatchObject({ fileName: '学籍.csv', fileSize: Buffer.byteLength(csv), dryRun: false, status: 'queued', percent: 0, hasReport: false });
    const [row] = await h.ctx.db.select().from(registryImports).where(eq(registryImports.id, queued.id));
    const stored = await h.ctx.storage.head(row!.fileId!);
    expect(stored).toMatchObject({ size: Buffer.byteLength(csv), contentType: 'text/csv' });
    const jobs = await h.ctx.db.select().from(outbox).where(and(eq(outbox.queue, 'registry-import')));
    expect(jobs.some((j) => (j.payload as { importId: string }).importId === queued.id)).toBe(true);
    const uploadAudit = await h.ctx.db.select().from(auditLog).where(and(eq(auditLog.subjectId, queued.id), eq(auditLog.action, 'registry_import.uploaded')));
    expect(uploadAudit).toHaveLength(1);

    // the worker's part, with a progress save after every tick
    expect(await runRegistryImport(h.ctx, queued.id, { progressEveryMs: 1 })).toEqual({ status: 'succeeded' });
    expect(await runRegistryImport(h.ctx, queued.id)).toEqual({ status: 'skipped' });

    const done = RegistryImportViewSchema.parse((await get(`/api/console/registry-imports/${queued.id}`)).body);
    expect(done).toMatchObject({ status: 'succeeded', percent: 100, rowsRead: 30, hasReport: true, error: null });
    expect(done.counts).toMatchObject({ rowsRead: 30, rowsValid: 29, rowsRejected: 1, inserted: 29, problemCount: 1 });
    const imported = await h.ctx.db.select({ id: registryRecords.id }).from(registryRecords).where(eq(registryRecords.schoolCode, school.code));
    expect(imported).toHaveLength(29);

    const report = await get(`/api/console/registry-imports/${queued.id}/report`).buffer(true).parse((r, cb) => {
      const parts: Buffer[] = [];
      r.on('data', (c: Buffer) => parts.push(c));
      r.on('end', () => cb(null, Buffer.concat(parts)));
    });
    expect(report.status).toBe(200);
    expect(report.headers['content-type']).toMatch(/^text\/csv/);
    expect(report.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('学籍-问题清单.csv')}`);
    expect(report.headers['x-content-type-options']).toBe('nosniff');
    const text = (report.body as Buffer).toString('utf8');
    expect(text.startsWith('\uFEFF行号,列,问题,处理')).toBe(true);
    expect(text).toContain('9,身份证号');
    const downloads = await h.ctx.db.select().from(auditLog).where(and(eq(auditLog.subjectId, queued.id), eq(auditLog.action, 'registry_import.report_downloaded')));
    expect(downloads).toHaveLength(1);

    const history = await get('/api/console/registry-imports?page=1&pageSize=50');
    expect(history.status).toBe(200);
    expect(history.body.items.map((i: { id: string }) => i.id)).toContain(queued.id);
  });

  test('When the upload is a dry run, then nothing is written to the registry and the counts are reported', async () => {
    const school = randomSchool();
    const res = await upload(registryCsv([randomRegistryRow(school), randomRegistryRow(school)]), 'fileName=check.csv&dryRun=true');
    expect(res.status).toBe(201);

    await runRegistryImport(h.ctx, res.body.id);

    const done = (await get(`/api/console/registry-imports/${res.body.id}`)).body;
    expect(done).toMatchObject({ status: 'succeeded', dryRun: true, hasReport: false, counts: expect.objectContaining({ rowsValid: 2, inserted: 2 }) });
    expect(await h.ctx.db.select().from(registryRecords).where(eq(registryRecords.schoolCode, school.code))).toEqual([]);
  });

  test('When the file misses a required column, then the import fails with the reason in Chinese and imports nothing', async () => {
    const res = await upload('姓名,年级\r\n张三,三年级\r\n', 'fileName=bad.csv');
    await runRegistryImport(h.ctx, res.body.id);
    const done = (await get(`/api/console/registry-imports/${res.body.id}`)).body;
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/学籍号/);
  });

  test('When an executable renamed .csv, an image, an empty body or a file over the limit is uploaded, then 400 with a Chinese message and nothing is stored', async () => {
    const exeBytes = Buffer.concat([Buffer.from('MZ\x90\0', 'latin1'), randomBytes(1000)]);
    const pngBytes = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(16)]);
    const exe = await upload(exeBytes, 'fileName=registry.csv');
    const png = await upload(pngBytes, 'fileName=registry.csv');
    const empty = await upload('', 'fileName=registry.csv');
    const badName = await upload('a,b', 'fileName=');

    expect([exe.status, exe.body.error.code, exe.body.error.message]).toEqual([400, 'FILE_EXECUTABLE', '文件含有可执行内容，不能上传']);
    expect([png.status, png.body.error.code]).toEqual([400, 'REGISTRY_IMPORT_FILE_TYPE']);
    expect(png.body.error.message).toMatch(/CSV/);
    expect([empty.status, empty.body.error.code]).toEqual([400, 'FILE_REQUIRED']);
    expect([badName.status, badName.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const hashes = [exeBytes, pngBytes].map((b) => createHash('sha256').update(b).digest('hex'));
    expect(await h.ctx.db.select({ id: storedFiles.id }).from(storedFiles).where(inArray(storedFiles.sha256, hashes))).toEqual([]);
  });

  test('When an upload declares more than REGISTRY_UPLOAD_MAX_BYTES, then 400 FILE_TOO_LARGE before a byte is stored (past the limit mid-stream: the upload guard)', async () => {
    const limited = createApp({ ...h.ctx, config: { ...h.ctx.config, REGISTRY_UPLOAD_MAX_BYTES: 2048 } }).callback();
    const declared = await request(limited)
      .post('/api/console/registry-imports?fileName=big.csv')
      .set('X-Forwarded-For', randomIp())
      .set('Authorization', `Bearer ${operator.token}`)
      .send(Buffer.alloc(4096, 0x41));
    expect([declared.status, declared.body.error?.code, declared.body.error?.message]).toEqual([400, 'FILE_TOO_LARGE', '文件过大，请压缩后重新上传']);
  });
});
