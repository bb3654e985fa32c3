import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { z } from 'zod';
import { loadConfig } from '../../config';
import { createLogger } from '../logging/logger';
import { closeContext, createContext, type AppContext } from '../context';
import { createApp } from './app';
import { defineRoute } from './route';
import { allRoutes } from './routes';
import { createSession } from '../services/accounts/sessions';
import { buildAccount } from '../test/factories';

const h5Dir = fs.mkdtempSync(path.join(os.tmpdir(), 'educard-h5-'));
fs.writeFileSync(path.join(h5Dir, 'index.html'), '<!doctype html><title>教育卡</title>');
fs.mkdirSync(path.join(h5Dir, 'js'));
fs.writeFileSync(path.join(h5Dir, 'js', 'app.0123abcd89.js'), 'console.log(1)');

function testConfig(overrides: Record<string, string> = {}) {
  return loadConfig({ ...process.env, H5_DIST_DIR: h5Dir, CORS_ORIGINS: 'https://admin.educard.example', ...overrides });
}

const logLines: string[] = [];
const logger = createLogger({ level: 'info' }, { write: (line: string) => void logLines.push(line) });

const echo = defineRoute({
  method: 'post',
  path: '/api/test/echo',
  operationId: 'testEcho',
  summary: 'test only',
  tags: ['test'],
  access: 'public',
  body: z.strictObject({ name: z.string().min(2, '姓名至少 2 个字'), age: z.number().int() }),
  responses: { 200: { description: 'echo' } },
  handler: ({ koa, input }) => {
    koa.body = input.body;
  },
});
const boom = defineRoute({
  method: 'get',
  path: '/api/test/boom',
  operationId: 'testBoom',
  summary: 'test only',
  tags: ['test'],
  access: 'public',
  responses: { 200: { description: 'never' } },
  handler: () => {
    throw new Error('secret internal detail at /srv/db.ts:42');
  },
});

let ctx: AppContext;
beforeAll(async () => {
  ctx = await createContext(testConfig(), { logger });
});
afterAll(async () => {
  await closeContext(ctx);
});

describe('GET /api/health', () => {
  it('answers 200 with the database and Redis both ok', async () => {
    const res = await request(createApp(ctx).callback()).get('/api/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', checks: { database: { ok: true }, redis: { ok: true } } });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers 503 naming Redis when Redis does not answer', async () => {
    const broken = await createContext(testConfig({ REDIS_URL: 'redis://127.0.0.1:1' }), { logger, database: ctx.database });
    try {
      const res = await request(createApp(broken).callback()).get('/api/health');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ status: 'degraded', checks: { database: { ok: true }, redis: { ok: false } } });
    } finally {
      await closeContext(broken, { keepDatabase: true });
    }
  });
});

describe('GET /api/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document listing every route of the route table', async () => {
    const res = await request(createApp(ctx).callback()).get('/api/openapi.json');
    expect(res.status).toBe(200);
    const result = await new Validator().validate(res.body);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    for (const route of allRoutes) {
      expect(res.body.paths[route.path.replace(/:(\w+)/g, '{$1}')][route.method].operationId).toBe(route.operationId);
    }
  });
});

describe('errors', () => {
  const app = () => createApp(ctx, [echo, boom]).callback();

  it('answers 400 with each bad field and a Chinese message', async () => {
    const res = await request(app()).post('/api/test/echo').send({ name: 'x', age: 'old', extra: 1 });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.fields).toEqual({
      'body.name': '姓名至少 2 个字',
      'body.age': '类型不正确',
      'body.extra': '不支持的字段：extra',
    });
  });

  it('answers 400 BAD_JSON for malformed JSON', async () => {
    const res = await request(app()).post('/api/test/echo').set('Content-Type', 'application/json').send('{"name":');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BAD_JSON');
  });

  it('answers 415 for a body that is not JSON', async () => {
    const res = await request(app()).post('/api/test/echo').set('Content-Type', 'text/plain').send('name=张三');
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers 413 for a body over the limit', async () => {
    const res = await request(app()).post('/api/test/echo').send({ name: 'x'.repeat(200_000), age: 1 });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers 404 in JSON for an unknown API path and 405 for a wrong method', async () => {
    const missing = await request(app()).get('/api/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toEqual({ code: 'NOT_FOUND', message: '请求的内容不存在' });
    const wrongMethod = await request(app()).delete('/api/test/echo');
    expect(wrongMethod.status).toBe(405);
  });

  it('never shows internals of an unexpected failure, and logs it with the request id', async () => {
    logLines.length = 0;
    const res = await request(app()).get('/api/test/boom');
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.body)).not.toMatch(/secret internal detail|db\.ts|at /);
    expect(res.body.error.code).toBe('INTERNAL');
    const logged = logLines.find((l) => l.includes('request failed'));
    expect(logged).toContain(res.headers['x-request-id']);
  });
});

describe('web basics', () => {
  const app = () => createApp(ctx).callback();

  it('sets security headers and a request id', async () => {
    const res = await request(app()).get('/api/health').set('X-Request-Id', 'client-req-12345');
    expect(res.headers['x-request-id']).toBe('client-req-12345');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });

  it('allows CORS only for listed origins', async () => {
    const listed = await request(app()).get('/api/health').set('Origin', 'https://admin.educard.example');
    expect(listed.headers['access-control-allow-origin']).toBe('https://admin.educard.example');
    const other = await request(app()).get('/api/health').set('Origin', 'https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect(other.headers['access-control-allow-credentials']).toBeUndefined();
  });
});

describe('web basics: CORS, sessions, body limits, texts', () => {
  const app = () => createApp(ctx).callback();

  it('answers a preflight only for a listed origin, and never allows credentials', async () => {
    const listed = await request(app()).options('/api/me').set('Origin', 'https://admin.educard.example').set('Access-Control-Request-Method', 'POST');
    expect(listed.status).toBe(204);
    expect(listed.headers['access-control-allow-origin']).toBe('https://admin.educard.example');
    expect(listed.headers['access-control-allow-headers']).toContain('Authorization');
    expect(listed.headers['access-control-allow-credentials']).toBeUndefined();
    const foreign = await request(app()).options('/api/me').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'POST');
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    expect(foreign.headers['access-control-allow-methods']).toBeUndefined();
    expect(foreign.headers.vary).toContain('Origin');
  });

  it('keeps session tokens out of cookies and caches: a token travels in the Authorization header only, and answers about the caller are no-store', async () => {
    const account = await buildAccount(ctx.db, { role: 'parent' });
    const { token } = await createSession(ctx.db, ctx, { accountId: account.id, channel: 'h5', meta: { ip: '127.0.0.1', requestId: 't', userAgent: null } });
    const me = await request(app()).get('/api/me').set('Authorization', `Bearer ${token}`).set('Origin', 'https://evil.example');
    expect(me.status).toBe(200);
    expect(me.headers['set-cookie']).toBeUndefined();
    expect(me.headers['cache-control']).toContain('no-store');
    // Another origin's page gets no CORS grant, so the browser does not hand it the answer.
    expect(me.headers['access-control-allow-origin']).toBeUndefined();
    // A cookie is never how a session is recognised (no ambient authority for cross-site requests).
    const byCookie = await request(app()).get('/api/me').set('Cookie', `token=${token}; session=${token}`);
    expect(byCookie.status).toBe(401);
    // No route of the table sets a cookie, but the one the console issues for the pages outside the SPA
    // (bull-board, the API docs): HttpOnly, SameSite=Strict, minutes long, never a session token (staff-pages.ts).
    for (const file of routeSources()) {
      const text = fs.readFileSync(file, 'utf8');
      expect(text).not.toMatch(/Set-Cookie/i);
      expect([...text.matchAll(/cookies\.set\(\s*([\w.]+)/g)].map((m) => m[1])).toEqual(text.includes('cookies.set') ? ['STAFF_PAGES_COOKIE'] : []);
    }
  });

  it('refuses a body over the limit on a real route with 413, before any work', async () => {
    const res = await request(app()).post('/api/auth/login').send({ identifier: 'x'.repeat(200_000), password: 'y' });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers notice and reason texts as JSON strings, never as HTML, and the mini-program renders them as text', async () => {
    const res = await request(createApp(ctx, [echo]).callback()).post('/api/test/echo').send({ name: '<script>alert(1)</script>', age: 1 });
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('<script>alert(1)</script>');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    // No page of the mini-program or the H5 build injects markup from data.
    const offenders = sourceFiles(path.join(__dirname, '..', '..', 'miniprogram', 'src')).filter((file) =>
      /dangerouslySetInnerHTML|innerHTML\s*=|<RichText|rich-text|v-html|document\.write/.test(fs.readFileSync(file, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });
});

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(tsx?|jsx?)$/.test(entry.name) ? [full] : [];
  });
}

function routeSources(): string[] {
  return sourceFiles(path.join(__dirname, 'routes')).filter((f) => !f.endsWith('.test.ts'));
}

describe('the H5 build at /', () => {
  const app = () => createApp(ctx).callback();

  it('serves index.html at / and for app routes, uncached', async () => {
    for (const p of ['/', '/pages/index/index']) {
      const res = await request(app()).get(p);
      expect(res.status).toBe(200);
      expect(res.text).toContain('教育卡');
      expect(res.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves hashed assets with a long cache, 404s missing assets, and never leaves the build directory', async () => {
    const asset = await request(app()).get('/js/app.0123abcd89.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    expect((await request(app()).get('/js/missing.js')).status).toBe(404);
    const escape = await request(app()).get('/%2e%2e/%2e%2e/package.json');
    expect(escape.text).not.toContain('"dependencies"');
  });
});
