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
