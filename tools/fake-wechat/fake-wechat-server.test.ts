/** The fake WeChat server's own contract, driven over HTTP as another process would. */
import { startFakeWechat, subscribeValueProblem, type FakeWechat } from './fake-wechat-server';

const APPID = 'wxfake0000000mp';
const SECRET = 'fake-secret';
let clock = Date.parse('2025-09-01T02:00:00Z');
let fake: FakeWechat;

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${fake.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await res.json()) as Record<string, unknown>;
}

async function get(path: string): Promise<Record<string, unknown>> {
  return (await (await fetch(`${fake.url}${path}`)).json()) as Record<string, unknown>;
}

const stable = (extra: Record<string, unknown> = {}) =>
  post('/cgi-bin/stable_token', { grant_type: 'client_credential', appid: APPID, secret: SECRET, force_refresh: false, ...extra });

beforeAll(async () => {
  fake = await startFakeWechat({ appSecrets: { [APPID]: SECRET }, now: () => clock });
});
beforeEach(() => fake.reset());
afterAll(() => fake.close());

describe('fake WeChat', () => {
  it('stable_token: checks appid and secret, returns the same token in normal mode, rotates on force_refresh', async () => {
    expect(await stable({ appid: 'wxnobody' })).toMatchObject({ errcode: 40013 });
    expect(await stable({ secret: 'wrong' })).toMatchObject({ errcode: 40125 });

    const first = await stable();
    expect(first).toMatchObject({ access_token: expect.any(String), expires_in: 7200 });
    clock += 60_000;
    expect(await stable()).toMatchObject({ access_token: first.access_token, expires_in: 7140 });

    const forced = await stable({ force_refresh: true });
    expect(forced.access_token).not.toBe(first.access_token);
    const phone = (token: unknown) => post(`/wxa/business/getuserphonenumber?access_token=${String(token)}`, { code: 'devphone:13812345678' });
    expect(await phone(first.access_token)).toMatchObject({ errcode: 40001 });
    expect(await phone(forced.access_token)).toMatchObject({ errcode: 0, phone_info: { purePhoneNumber: '13812345678' } });

    clock += 7200_000;
    expect(await phone(forced.access_token)).toMatchObject({ errcode: 42001 });
  });

  it('jscode2session: a code is single-use and expires after 5 minutes', async () => {
    const q = (code: string) => `/sns/jscode2session?appid=${APPID}&secret=${SECRET}&js_code=${code}&grant_type=authorization_code`;
    const once = fake.issueLoginCode('o_1', { unionid: 'u_1' });
    expect(await get(q(once))).toMatchObject({ openid: 'o_1', unionid: 'u_1', session_key: expect.any(String) });
    expect(await get(q(once))).toMatchObject({ errcode: 40029 });

    const late = fake.issueLoginCode('o_2');
    clock += 5 * 60_000 + 1;
    expect(await get(q(late))).toMatchObject({ errcode: 40029 });
  });

  it('control endpoints: inject over HTTP, calls with the secret redacted, reset', async () => {
    expect(await post('/__fake/inject', { path: '/sns/jscode2session', errcode: 45011, times: 1 })).toEqual({ ok: true });
    const { code } = (await post('/__fake/login-code', { openid: 'o_ctl' })) as { code: string };
    const q = `/sns/jscode2session?appid=${APPID}&secret=${SECRET}&js_code=${code}&grant_type=authorization_code`;
    expect(await get(q)).toMatchObject({ errcode: 45011 });
    expect(await get(q)).toMatchObject({ openid: 'o_ctl' });

    const { calls } = (await get('/__fake/calls?path=/sns/jscode2session')) as { calls: { query: Record<string, string>; injected: boolean }[] };
    expect(calls.map((c) => c.injected)).toEqual([true, false]);
    expect(calls[0]!.query.secret).toBe('[redacted]');
    expect(JSON.stringify(calls)).not.toContain(SECRET);

    await post('/__fake/reset', {});
    expect(await get('/__fake/calls')).toEqual({ calls: [] });
  });

  it('template/send: records the message, reports 2023 rule violations, de-duplicates client_msg_id for 10 minutes', async () => {
    const token = (await stable()).access_token as string;
    const send = (body: Record<string, unknown>) => post(`/cgi-bin/message/template/send?access_token=${token}`, body);
    const body = {
      touser: 'oa_1',
      template_id: 'T1',
      client_msg_id: 'm-1',
      data: { first: { value: '你好' }, thing1: { value: '这是一个超过二十个字的很长很长很长的字段内容啊' }, time2: { value: '2025年9月1日\n10:00' } },
    };
    const a = await send(body);
    const b = await send(body);
    expect(a).toMatchObject({ errcode: 0, msgid: expect.any(Number) });
    expect(b.msgid).toBe(a.msgid);
    clock += 10 * 60_000 + 1;
    expect((await send(body)).msgid).not.toBe(a.msgid);

    const [message] = fake.messages({ kind: 'template' });
    expect(message!.violations).toEqual([
      'first: no longer shown since 2023-05-04',
      'thing1: longer than 20 characters (23)',
      'time2: contains a line break',
    ]);
    expect(await get('/__fake/messages?kind=template')).toMatchObject({ messages: [expect.anything(), expect.anything()] });
  });

  it('subscribe/send: rejects a value that breaks its type rule with 47003 naming the field', async () => {
    const token = (await stable()).access_token as string;
    const answer = await post(`/cgi-bin/message/subscribe/send?access_token=${token}`, {
      touser: 'o_1',
      template_id: 'S1',
      page: 'pages/index/index',
      miniprogram_state: 'formal',
      data: { phrase3: { value: '审核已经通过了' } },
    });
    expect(answer).toMatchObject({ errcode: 47003, errmsg: expect.stringContaining('data.phrase3.value') });
    expect(subscribeValueProblem('thing1', '已通过')).toBeUndefined();
    expect(subscribeValueProblem('time2', '2025年9月1日 15:01')).toBeUndefined();
    expect(subscribeValueProblem('character_string4', '教育卡')).toBe('is not a character string');
  });

  it('inject with touser: only the messages to that recipient get the errcode', async () => {
    const token = (await stable()).access_token as string;
    fake.inject({ path: '/cgi-bin/message/template/send', touser: 'oa_blocked', errcode: 43004, times: 'always' });
    const send = (touser: string) => post(`/cgi-bin/message/template/send?access_token=${token}`, { touser, template_id: 'T1', data: { thing1: { value: '你好' } } });
    expect(await send('oa_blocked')).toMatchObject({ errcode: 43004 });
    expect(await send('oa_other')).toMatchObject({ errcode: 0 });
    expect(await send('oa_blocked')).toMatchObject({ errcode: 43004 });
    expect(fake.messages().map((m) => m.touser)).toEqual(['oa_other']);
  });
});
