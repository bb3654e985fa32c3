/**
 * The console build served at /console: files by path, index.html (with the
 * strict CSP) for the app's own routes, a 404 for a missing asset (never the
 * H5 app), and the H5 app at / untouched.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createTestContext, type TestContext } from '../../../test/context';
import { createApp } from '../../app';

let ctx: TestContext;
let app: ReturnType<ReturnType<typeof createApp>['callback']>;
const dirs: string[] = [];

function build(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'educard-static-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

beforeAll(async () => {
  const consoleDir = build({
    'index.html': '<!doctype html><html><head><script type="module" src="/console/assets/index-DIkVJwQu.js"></script></head><body><div id="root"></div></body></html>',
    'assets/index-DIkVJwQu.js': 'console.log("console")',
  });
  const h5Dir = build({ 'index.html': '<!doctype html><html><body>H5</body></html>' });
  ctx = await createTestContext({ CONSOLE_DIST_DIR: consoleDir, H5_DIST_DIR: h5Dir });
  app = createApp(ctx).callback();
});

afterAll(async () => {
  await ctx?.cleanup();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

test('When the console or one of its routes is asked for, then its index.html comes with the strict CSP and no caching', async () => {
  for (const url of ['/console/', '/console/classes', '/console/schools/5d7c3a3e-8f51-4bfa-9c1d-1e2f3a4b5c6d/classes?page=2']) {
    const res = await request(app).get(url);
    expect(res.status).toBe(200);
    expect(res.text).toContain('<div id="root">');
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
  }
});

test('When a hashed asset is asked for, then it is served for a year; a missing one is a 404, never the H5 app', async () => {
  const asset = await request(app).get('/console/assets/index-DIkVJwQu.js');
  expect(asset.status).toBe(200);
  expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  const missing = await request(app).get('/console/assets/index-Zz9_yQ1x.js');
  expect(missing.status).toBe(404);
  expect(missing.text).not.toContain('H5');
  const escape = await request(app).get('/console/..%2f..%2fetc%2fpasswd');
  expect(escape.text).not.toContain('root:');
});

test('When /console is asked for without the slash, then it redirects to /console/; the H5 app stays at /', async () => {
  const res = await request(app).get('/console');
  expect(res.status).toBe(302);
  expect(res.headers.location).toBe('/console/');
  const h5 = await request(app).get('/pages/index/index');
  expect(h5.text).toContain('H5');
  const consoleLookalike = await request(app).get('/consoles');
  expect(consoleLookalike.text).toContain('H5');
});
