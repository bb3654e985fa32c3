import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createApp } from '../../app';
import type { AppContext } from '../../../context';
import { allRoutes, routesFor } from '..';
import { createHarness, randomPhone, type Harness } from '../auth/auth-test-support';
import { isLocalUrl } from './inbox.route';
import { writeNotification } from '../../../services/notifications/notifications';
import { buildAccount } from '../../../test/factories';

let h: Harness;
let fake: http.Server;
let fakeUrl: string;
beforeAll(async () => {
  h = await createHarness();
  // A stand-in for the fake WeChat's control endpoint (server code may not import tools/).
  fake = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    if (req.url?.startsWith('/__fake/messages')) {
      res.end(JSON.stringify({ messages: [{ kind: 'template', msgid: 1, touser: 'oa-1' }, { kind: 'subscribe', msgid: 2, touser: 'o-2' }] }));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => fake.close(resolve));
  await h.close();
});

function withConfig(overrides: Partial<AppContext['config']>): AppContext {
  return { ...h.ctx, config: { ...h.ctx.config, ...overrides } };
}

describe('GET /api/dev/inbox', () => {
  it('lists the SMS messages of the development provider, newest first, and the fake WeChat messages', async () => {
    const phone = randomPhone();
    await h.code(phone, 'register');
    await h.allowResend(phone);
    const latest = await h.code(phone, 'find_username');
    const app = createApp(withConfig({ WECHAT_API_BASE: fakeUrl })).callback();
    const res = await request(app).get(`/api/dev/inbox?phone=${phone}`);
    expect(res.status).toBe(200);
    expect(res.body.sms).toHaveLength(2);
    expect(res.body.sms[0]).toMatchObject({ phone, template: 'verification_code', params: { code: latest, minutes: 5 } });
    expect(res.body.sms[0].text).toContain(latest);
    expect(res.body.wechat).toEqual({ available: true, messages: [{ kind: 'subscribe', msgid: 2, touser: 'o-2' }, { kind: 'template', msgid: 1, touser: 'oa-1' }] });
  });

  it('lists the newest notification rows with the page each opens', async () => {
    const teacher = await buildAccount(h.ctx.db, { role: 'teacher' });
    const versionId = randomUUID();
    await writeNotification(h.ctx.db, {
      accountId: teacher.id,
      kind: 'review.waiting',
      dedupKey: `review.waiting:${versionId}`,
      data: { versionId },
      pagePath: `pages/review/detail?id=${versionId}`,
    });
    const res = await request(createApp(h.ctx).callback()).get('/api/dev/inbox?limit=200');
    expect(res.body.notifications).toContainEqual({
      id: expect.any(String),
      at: expect.any(String),
      accountId: teacher.id,
      kind: 'review.waiting',
      data: { versionId },
      pagePath: `pages/review/detail?id=${versionId}`,
    });
  });

  it('leaves WeChat out when WECHAT_API_BASE is not local or the fake does not answer', async () => {
    expect(isLocalUrl('https://api.weixin.qq.com')).toBe(false);
    const remote = await request(createApp(withConfig({ WECHAT_API_BASE: 'https://api.weixin.qq.com' })).callback()).get('/api/dev/inbox');
    expect(remote.body.wechat).toEqual({ available: false, messages: [] });
    const down = await request(createApp(withConfig({ WECHAT_API_BASE: 'http://127.0.0.1:1' })).callback()).get('/api/dev/inbox');
    expect(down.status).toBe(200);
    expect(down.body.wechat).toEqual({ available: false, messages: [] });
  });

  it('does not exist in production: 404 and absent from the OpenAPI document', async () => {
    const app = createApp(withConfig({ NODE_ENV: 'production' })).callback();
    const res = await request(app).get('/api/dev/inbox');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
    const doc = await request(app).get('/api/openapi.json');
    expect(doc.body.paths['/api/dev/inbox']).toBeUndefined();
    expect(doc.body.paths['/api/auth/login']).toBeDefined();
    expect(routesFor({ NODE_ENV: 'production' }).some((r) => r.path === '/api/dev/inbox')).toBe(false);
  });
});

describe('the accounts API in /api/openapi.json', () => {
  const expected = [
    ['post', '/api/auth/sms-codes', 'public'],
    ['get', '/api/auth/captcha', 'public'],
    ['post', '/api/auth/register', 'public'],
    ['post', '/api/auth/login', 'public'],
    ['post', '/api/auth/logout', 'authenticated'],
    ['post', '/api/auth/wechat/login', 'public'],
    ['post', '/api/auth/wechat/phone', 'public'],
    ['post', '/api/auth/password-reset/sms', 'public'],
    ['post', '/api/auth/recovery-requests', 'public'],
    ['post', '/api/auth/recovery-requests/complete', 'public'],
    ['post', '/api/auth/username-recovery', 'public'],
    ['post', '/api/auth/teacher-activation', 'public'],
    ['get', '/api/me', 'authenticated'],
    ['post', '/api/me/password', 'authenticated'],
    ['post', '/api/me/wechat', 'authenticated'],
    ['post', '/api/me/phone/code', 'authenticated'],
    ['post', '/api/me/phone', 'authenticated'],
    ['post', '/api/me/recovery-requests/cancel', 'authenticated'],
    ['get', '/api/me/data-export', 'authenticated'],
    ['post', '/api/me/cancellation/code', 'authenticated'],
    ['post', '/api/me/cancellation', 'authenticated'],
    ['get', '/api/dev/inbox', 'public'],
  ] as const;

  it('documents every route with its access and a response schema', async () => {
    const res = await request(createApp(h.ctx).callback()).get('/api/openapi.json');
    for (const [method, path, access] of expected) {
      const operation = res.body.paths[path]?.[method];
      expect(operation).toBeDefined();
      expect(operation['x-access']).toBe(access);
      const success = Object.entries(operation.responses as Record<string, { content?: unknown }>).find(([status]) => status.startsWith('2'));
      expect(success?.[1].content).toBeDefined();
    }
    expect(allRoutes.filter((r) => /^\/api\/(auth|me|dev)\b/.test(r.path))).toHaveLength(expected.length);
  });
});
