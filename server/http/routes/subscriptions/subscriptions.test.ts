import request from 'supertest';
import { createMessagingHarness, type MessagingHarness } from '../../../services/messaging/messaging-test-support';
import { staffWithSession } from '../../../services/notices/notices-test-support';
import { createApp } from '../../app';

let h: MessagingHarness;
let app: ReturnType<ReturnType<typeof createApp>['callback']>;

beforeAll(async () => {
  h = await createMessagingHarness();
  app = createApp(h.ctx).callback();
});
afterAll(async () => {
  await h.close();
});

const post = (token: string, body: object) => request(app).post('/api/subscriptions').set('Authorization', `Bearer ${token}`).send(body);
const get = (token: string) => request(app).get('/api/subscriptions').set('Authorization', `Bearer ${token}`);

describe('/api/subscriptions', () => {
  test('When a family accepts on the submit tap, then each accept is one unused grant; unknown ids and errMsg are ignored', async () => {
    const family = await staffWithSession(h.ctx, 'parent', null);
    const c = h.ctx.config;

    const before = await get(family.token);
    expect(before.status).toBe(200);
    expect(before.body.requestIds).toEqual([c.WECHAT_SUBSCRIBE_REVIEW_RESULT, c.WECHAT_SUBSCRIBE_NOTICE, c.WECHAT_SUBSCRIBE_RECONFIRM]);

    const results = { errMsg: 'requestSubscribeMessage:ok', [c.WECHAT_SUBSCRIBE_REVIEW_RESULT]: 'accept', [c.WECHAT_SUBSCRIBE_NOTICE]: 'reject', 'tmpl-unknown': 'accept' };
    expect((await post(family.token, { results })).status).toBe(200);
    const res = await post(family.token, { results });

    const byId = Object.fromEntries(res.body.templates.map((t: { templateId: string }) => [t.templateId, t]));
    expect(byId[c.WECHAT_SUBSCRIBE_REVIEW_RESULT]).toMatchObject({ group: 'review_result', available: 2, lastResult: 'accept' });
    expect(byId[c.WECHAT_SUBSCRIBE_NOTICE]).toMatchObject({ available: 0, lastResult: 'reject' });
    expect(byId['tmpl-unknown']).toBeUndefined();

    // ban: the template is banned; unused grants are dropped and it is no longer requested.
    const banned = await post(family.token, { results: { [c.WECHAT_SUBSCRIBE_REVIEW_RESULT]: 'ban' } });
    expect(banned.body.templates.find((t: { templateId: string }) => t.templateId === c.WECHAT_SUBSCRIBE_REVIEW_RESULT)).toMatchObject({ available: 0, lastResult: 'ban' });
    expect(banned.body.requestIds).not.toContain(c.WECHAT_SUBSCRIBE_REVIEW_RESULT);
  });

  test('teachers are asked for the digest template; bad bodies are 400, no session is 401', async () => {
    const teacher = await staffWithSession(h.ctx, 'teacher', null);
    expect((await get(teacher.token)).body.requestIds).toEqual([h.ctx.config.WECHAT_SUBSCRIBE_REVIEW_DIGEST]);
    const bad = await post(teacher.token, { results: 'accept' });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields)).toEqual(['body.results']);
    expect((await request(app).post('/api/subscriptions').send({ results: {} })).status).toBe(401);
  });
});
