/**
 * Issue 12, attacks 5 and 10, at the route level on the real PostgreSQL and
 * Redis: unpaired surrogates and database errors caused by input answer 400
 * (never 500), no log line carries a statement's parameters or a request's
 * personal data, unknown fields are refused by every write route, and
 * bidirectional / zero-width characters follow the one free-text rule
 * (domain/text/normalize.ts, checkFreeText).
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import request from 'supertest';
import { z } from 'zod';
import { errorMessage } from '../../domain/errors';
import { notifications } from '../db/schema';
import { createLogger } from '../logging/logger';
import { schoolWithTeacher } from '../services/notices/notices-test-support';
import { createApp } from './app';
import { defineRoute, type AnyRoute } from './route';
import { allRoutes } from './routes';
import { childResidentId, createProfileHarness, randomMobile, submissionBody, type ProfileHarness } from './routes/students/profile-test-support';

jest.setTimeout(30_000);

let h: ProfileHarness;

beforeAll(async () => {
  h = await createProfileHarness();
});

afterAll(async () => {
  await h.close();
});

/** An app over the harness's context whose log lines are kept in memory. */
function appWithCapturedLog(routes?: readonly AnyRoute[]) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ level: 'debug' }, sink);
  const koa = createApp({ ...h.ctx, logger }, routes);
  return { app: koa.callback(), lines };
}

async function newStudent(token: string): Promise<string> {
  const res = await h.api.post('/api/students', token);
  expect(res.status).toBe(201);
  return res.body.id as string;
}

/** A family whose student's submission a head teacher approved (no registry row: the review decides). */
async function approvedStudent() {
  const family = await h.family();
  const { school, klass, teacher } = await h.schoolWithClass();
  const studentId = await newStudent(family.token);
  const body = submissionBody({ school, klass });
  const submitted = await h.api.post(`/api/students/${studentId}/submissions`, family.token, body);
  expect(submitted.status).toBe(201);
  const versionId = submitted.body.versionId as string;
  await h.relayAndMatch(versionId);
  const approve = await h.api.post(`/api/reviews/${versionId}/approve`, teacher.token);
  expect(approve.status).toBe(200);
  return { family, studentId, body };
}

const LONE_HIGH = '\ud800';
const LONE_LOW = '\udc00';

describe('attack 5: unpaired UTF-16 surrogates', () => {
  test('When a draft address holds a lone surrogate, then 400 names the field in Chinese, and the log holds nothing of the body', async () => {
    const family = await h.family();
    const studentId = await newStudent(family.token);
    const { app, lines } = appWithCapturedLog();
    const name = '孙小美';
    const address = `南京市鼓楼区${LONE_HIGH}秘密小区`;

    const res = await request(app)
      .put(`/api/students/${studentId}/draft`)
      .set('Authorization', `Bearer ${family.token}`)
      .send({ personal: { name }, guardians: [{ name: '孙大伟', address }] });

    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', fields: { 'body.guardians.0.address': errorMessage('TEXT_INVALID_UNICODE') } });
    expect(lines.join('\n')).not.toMatch(/孙小美|孙大伟|秘密小区/);
  });

  test('When a submission holds lone surrogates (high and low, in a name and an address), then 400 for each field, nothing stored', async () => {
    const family = await h.family();
    const { school, klass } = await h.schoolWithClass();
    const studentId = await newStudent(family.token);
    const body = submissionBody({ school, klass });
    body.personal.name = `孙${LONE_LOW}小美`;
    body.guardians[0]!.address = `南京市鼓楼区${LONE_HIGH}秘密小区`;

    const res = await h.api.post(`/api/students/${studentId}/submissions`, family.token, body);

    expect(res.status).toBe(400);
    expect(res.body.error.fields).toEqual({
      'body.personal.name': errorMessage('TEXT_INVALID_UNICODE'),
      'body.guardians.0.address': errorMessage('TEXT_INVALID_UNICODE'),
    });
    const detail = await h.api.get(`/api/students/${studentId}`, family.token);
    expect(detail.body.latest).toBeNull();
  });

  test('When a contact edit of an approved profile holds a lone surrogate, then 400 with the field, not 500', async () => {
    const s = await approvedStudent();

    const res = await h.api.patch(`/api/students/${s.studentId}/contact`, s.family.token, { guardians: [{ address: `南京市鼓楼区${LONE_HIGH}秘密小区` }] });

    expect(res.status).toBe(400);
    expect(res.body.error.fields).toEqual({ 'body.guardians.0.address': errorMessage('TEXT_INVALID_UNICODE') });
  });

  test('When any route gets a lone surrogate (a sign-in, a notice, an object key), then 400 at its path', async () => {
    const login = await h.api.post('/api/auth/login', undefined, { login: `abc${LONE_HIGH}`, password: 'x' });
    expect(login.status).toBe(400);
    expect(login.body.error.fields).toEqual({ 'body.login': errorMessage('TEXT_INVALID_UNICODE') });

    const { classes, teacher } = await schoolWithTeacher(h.ctx, 1);
    const notice = await h.api.post('/api/notices', teacher.token, { type: '通知', title: `家长会${LONE_LOW}`, body: '周五下午', classIds: [classes[0]!.id] });
    expect(notice.status).toBe(400);
    expect(notice.body.error.fields).toEqual({ 'body.title': errorMessage('TEXT_INVALID_UNICODE') });

    const key = await h.api.post('/api/auth/login', undefined, { login: 'abcd', password: 'x', [`k${LONE_HIGH}`]: 1 });
    expect(key.status).toBe(400);
    expect(key.body.error.fields).toEqual({ 'body.k\ufffd': errorMessage('TEXT_INVALID_UNICODE') });
  });
});

describe('attack 5: database errors caused by input, and what is logged', () => {
  const secret = { name: '欧阳秘密', address: '南京市鼓楼区秘密小区 7 栋', phone: randomMobile(), residentId: childResidentId() };

  /** Test routes that hand request values to PostgreSQL unchecked, the way a schema that forgot a rule would. */
  const probe = (path: string, run: (ctx: Parameters<AnyRoute['handler']>[0], v: string) => Promise<unknown>): AnyRoute =>
    defineRoute({
      method: 'post',
      path,
      operationId: `probe${path.replace(/\W/g, '')}`,
      summary: 'test probe',
      tags: ['test'],
      access: 'public',
      body: z.strictObject({ v: z.string() }),
      responses: { 200: { description: 'ok' } },
      handler: async (ctx) => {
        await run(ctx, (ctx.input.body as { v: string }).v);
        ctx.koa.body = { ok: true };
      },
    });
  const probes = [
    probe('/api/test/int', ({ app }, v) => app.db.execute(sql`select ${secret.name}::text as n, ${v}::int as i`)),
    probe('/api/test/varchar', ({ app }, v) =>
      app.db.transaction(async (tx) => {
        await tx.execute(sql`create temporary table probe_short (v varchar(4), address text) on commit drop`);
        await tx.execute(sql`insert into probe_short values (${v}, ${secret.address})`);
      }),
    ),
    probe('/api/test/smallint', ({ app }, v) => app.db.execute(sql`select ${v}::int::smallint as v`)),
    probe('/api/test/date', ({ app }, v) => app.db.execute(sql`select ${v}::date as v`)),
    probe('/api/test/encoding', ({ app }, v) => app.db.execute(sql`select convert_from(decode(${v}, 'hex'), 'UTF8') as v`)),
    probe('/api/test/index-row', ({ app }, v) =>
      app.db.transaction(async (tx) => {
        await tx.execute(sql`create temporary table probe_rows (v text) on commit drop`);
        await tx.execute(sql`create index on probe_rows (v)`);
        // random text does not compress: an index row past the btree limit (54000)
        await tx.execute(sql`insert into probe_rows select string_agg(md5(${v} || g::text), '') from generate_series(1, 400) g`);
      }),
    ),
    probe('/api/test/fk', ({ app }) =>
      app.db.insert(notifications).values({
        accountId: randomUUID(),
        kind: 'test.probe',
        dedupKey: `probe:${secret.residentId}:${randomUUID()}`,
        data: { name: secret.name, address: secret.address, phone: secret.phone, residentId: secret.residentId },
      }),
    ),
  ];

  test.each([
    ['/api/test/int', `id:${secret.residentId}`, '22P02'],
    ['/api/test/varchar', '超过四个字的值', '22001'],
    ['/api/test/smallint', '70000', '22003'],
    ['/api/test/date', '2026-02-30', '22008'],
    ['/api/test/encoding', 'ff', '22021'],
    ['/api/test/index-row', 'x', '54000'],
  ])('When PostgreSQL refuses a value of the request (%s %s → SQLSTATE %s), then 400 with a Chinese message, not 500', async (path, v, code) => {
    const { app, lines } = appWithCapturedLog(probes);

    const res = await request(app).post(path).send({ v });

    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', fields: { body: expect.stringMatching(/无法保存/) } });
    const warned = lines.map((l) => JSON.parse(l) as { err?: { errorCode?: string; cause?: { errorCode?: string } } }).find((l) => l.err);
    expect(warned?.err?.cause?.errorCode ?? warned?.err?.errorCode).toBe(code);
  });

  test('When a query holding personal data fails, then no log line holds its parameters, the values or quoted input', async () => {
    const { app, lines } = appWithCapturedLog(probes);

    const refused = await request(app).post('/api/test/int').send({ v: `id:${secret.residentId}` });
    const broken = await request(app).post('/api/test/fk').send({ v: secret.address });

    expect(refused.status).toBe(400);
    expect(broken.status).toBe(500);
    expect(JSON.stringify(broken.body)).not.toMatch(/notifications|insert|violates/i);
    const log = lines.join('\n');
    // the failure is logged, with the statement's text and the driver's code …
    expect(log).toContain('Failed query');
    expect(log).toContain('"errorCode":"23503"');
    expect(log).toContain('"errorCode":"22P02"');
    // … but without its parameters, the PostgreSQL detail, or any personal value, even masked
    expect(log).not.toMatch(/params|"detail"|Key \(/);
    for (const value of [secret.name, secret.address, secret.phone, secret.residentId, secret.residentId.slice(0, 6) + '********', secret.phone.slice(0, 3) + '****']) {
      expect(log).not.toContain(value);
    }
  });
});

/** Every object of a JSON Schema that lists properties refuses others (records carry a schema in additionalProperties). */
function looseObjects(schema: unknown, path: string, out: string[] = []): string[] {
  if (schema === null || typeof schema !== 'object') return out;
  const node = schema as Record<string, unknown>;
  if (node.type === 'object' && node.properties && node.additionalProperties !== false) out.push(path || '(root)');
  for (const [key, child] of Object.entries(node)) {
    if (Array.isArray(child)) child.forEach((c, i) => looseObjects(c, `${path}.${key}[${i}]`, out));
    else if (typeof child === 'object') looseObjects(child, key === 'properties' ? path : `${path}.${key}`, out);
  }
  return out;
}

describe('attack 10: unknown fields', () => {
  test('Every write route of the route table has a strict body schema at every depth', () => {
    const loose = allRoutes
      .filter((route) => route.body)
      .flatMap((route) => looseObjects(z.toJSONSchema(route.body!, { io: 'input', unrepresentable: 'any' }), '').map((p) => `${route.method.toUpperCase()} ${route.path} ${p}`));
    expect(loose).toEqual([]);
  });

  test('When a submission carries an unknown field (top level or nested), then 400 names each field, nothing stored', async () => {
    const family = await h.family();
    const { school, klass } = await h.schoolWithClass();
    const studentId = await newStudent(family.token);
    const body = { ...submissionBody({ school, klass }), approved: true };
    (body.guardians[0] as Record<string, unknown>).verified = true;
    (body.school as Record<string, unknown>).status = 'approved';

    const res = await h.api.post(`/api/students/${studentId}/submissions`, family.token, body);

    expect(res.status).toBe(400);
    expect(res.body.error.fields).toEqual({
      'body.approved': '不支持的字段：approved',
      'body.school.status': '不支持的字段：status',
      'body.guardians.0.verified': '不支持的字段：verified',
    });
    const detail = await h.api.get(`/api/students/${studentId}`, family.token);
    expect(detail.body.latest).toBeNull();
  });

  test('When a draft carries an unknown field, then 400 names it', async () => {
    const family = await h.family();
    const studentId = await newStudent(family.token);

    const res = await h.api.put(`/api/students/${studentId}/draft`, family.token, { personal: { name: '张三', nickname: '小张' }, cardNumber: 'JY1' });

    expect(res.status).toBe(400);
    expect(res.body.error.fields).toEqual({ 'body.personal.nickname': '不支持的字段：nickname', 'body.cardNumber': '不支持的字段：cardNumber' });
  });

  test('When a write route that takes no body gets body fields, then 400 names them and nothing happens', async () => {
    const family = await h.family();

    const res = await h.api.post('/api/auth/logout', family.token, { everywhere: true });

    expect(res.status).toBe(400);
    expect(res.body.error.fields).toEqual({ 'body.everywhere': '不支持的字段：everywhere' });
    const still = await h.api.get('/api/me', family.token);
    expect(still.status).toBe(200);
  });
});

describe('attack 10: bidirectional controls and zero-width characters', () => {
  const RLO = '\u202e';

  test('When a draft address or a name holds U+202E (or an isolate), then 400 at the field; zero-width characters are stripped', async () => {
    const family = await h.family();
    const studentId = await newStudent(family.token);

    const bidi = await h.api.put(`/api/students/${studentId}/draft`, family.token, {
      personal: { name: `张\u2066三` },
      guardians: [{ address: `南京市鼓楼区${RLO}号1路京北` }],
    });
    expect(bidi.status).toBe(400);
    expect(bidi.body.error.fields).toEqual({
      'body.personal.name': errorMessage('TEXT_BIDI_CONTROL'),
      'body.guardians.0.address': errorMessage('TEXT_BIDI_CONTROL'),
    });

    const zeroWidth = await h.api.put(`/api/students/${studentId}/draft`, family.token, {
      personal: { name: '张\u200b三' },
      guardians: [{ address: '南京市\u200d鼓楼区\ufeff北京路 1 号', phone: `139\u2060${randomMobile().slice(3)}` }],
    });
    expect(zeroWidth.status).toBe(200);
    const draft = await h.api.get(`/api/students/${studentId}/draft`, family.token);
    expect(draft.body.draft.personal.name).toBe('张三');
    expect(draft.body.draft.guardians[0].address).toBe('南京市鼓楼区北京路 1 号');
    expect(draft.body.draft.guardians[0].phone).toMatch(/^139\d{8}$/);
  });

  test('When a notice title, a notice body or a return reason holds a bidirectional control, then 400 at the field', async () => {
    const { classes, teacher } = await schoolWithTeacher(h.ctx, 1);
    const title = await h.api.post('/api/notices', teacher.token, { type: '通知', title: `${RLO}会长家`, body: `周五${'\u2067'}下午`, classIds: [classes[0]!.id] });
    expect(title.status).toBe(400);
    expect(title.body.error.fields).toEqual({ 'body.title': errorMessage('TEXT_BIDI_CONTROL'), 'body.body': errorMessage('TEXT_BIDI_CONTROL') });

    const back = await h.api.post(`/api/reviews/${randomUUID()}/return`, teacher.token, { reasonPreset: '其他', reasonText: `照片${RLO}不清楚` });
    expect(back.status).toBe(400);
    expect(back.body.error.fields).toEqual({ 'body.reasonText': errorMessage('TEXT_BIDI_CONTROL') });
  });

  test('When an identifier (a phone) holds a bidirectional control, then it is stripped like a zero-width character', async () => {
    const account = await h.registerAccount();
    const phone = `${account.phone.slice(0, 3)}${RLO}${account.phone.slice(3, 7)}\u200b${account.phone.slice(7)}`;

    const res = await h.api.post('/api/auth/login', undefined, { login: phone, password: account.password });

    expect(res.status).toBe(200);
    expect(res.body.account.id).toBe(account.accountId);
  });
});
