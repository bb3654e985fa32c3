import request from 'supertest';
import { createApp } from '../app';
import type { AppContext } from '../../context';
import { createTestContext, type TestContext } from '../../test/context';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.cleanup();
});

describe('GET /api/docs', () => {
  it('serves Swagger UI for /api/openapi.json from the npm package, same-origin only, under the usual CSP', async () => {
    const app = createApp(ctx).callback();
    const page = await request(app).get('/api/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    // No inline script and nothing from another origin.
    const scripts = [...page.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBe(2);
    for (const [, attrs, body] of scripts) {
      expect(body).toBe('');
      expect(attrs).toMatch(/src="\/api\/docs\//);
    }
    expect(page.text).not.toMatch(/https?:\/\//);
    const init = await request(app).get('/api/docs/init.js');
    expect(init.status).toBe(200);
    expect(init.text).toContain("url: '/api/openapi.json'");
    expect(init.text).toContain('validatorUrl: null');
    const bundle = await request(app).get('/api/docs/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect(bundle.headers['content-type']).toMatch(/javascript/);
    expect(bundle.body.length ?? bundle.text.length).toBeGreaterThan(100_000);
    expect((await request(app).get('/api/docs/swagger-ui.css')).status).toBe(200);
  });

  it('answers 404 for files it does not serve', async () => {
    const res = await request(createApp(ctx).callback()).get('/api/docs/../../package.json');
    expect(res.status).toBe(404);
    const other = await request(createApp(ctx).callback()).get('/api/docs/swagger-ui-bundle.js.map');
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('NOT_FOUND');
  });

  it('in production, answers only an operator with the staff-pages cookie: 401 without it (see console-operator.test.ts)', async () => {
    const production: AppContext = { ...ctx, config: { ...ctx.config, NODE_ENV: 'production' } };
    for (const path of ['/api/docs', '/api/docs/', '/api/docs/swagger-ui-bundle.js', '/api/docs/init.js']) {
      const res = await request(createApp(production).callback()).get(path);
      expect(res.status).toBe(401);
      expect(res.text).toContain('管理后台');
      expect(res.text).not.toContain('swagger-ui');
    }
    // The development app serves the same paths.
    expect((await request(createApp(ctx).callback()).get('/api/docs')).status).toBe(200);
  });
});
