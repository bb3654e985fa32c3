/**
 * A local stand-in for api.weixin.qq.com that follows the documented
 * contracts of WeChat's server API, for development, tests and the dev inbox:
 *
 *   POST /cgi-bin/stable_token          appid/secret checked (40013 / 40125); normal mode returns
 *                                       the same token while it has > 5 min left; force_refresh rotates
 *   GET  /cgi-bin/token                 every call issues a new token; the previous one lives 5 more minutes
 *   GET  /sns/jscode2session            codes single-use, 5 min (40029 otherwise); `dev:<openid>[:<unionid>]`
 *   POST /wxa/business/getuserphonenumber  token checked (40001 invalid or superseded, 42001 expired);
 *                                       phone codes single-use, 5 min; `devphone:<11 digits>`
 *   GET  /cgi-bin/user/info             official-account follower info
 *   POST /cgi-bin/message/template/send    records the message; 2023 rules (≤ 20 chars, no line breaks,
 *                                       first/remark dropped) are reported as `violations`, as WeChat
 *                                       strips silently; client_msg_id de-duplicated for 10 min
 *   POST /cgi-bin/message/subscribe/send   records the message; value rules per key type → 47003
 *
 * Template message results: with `oaPush` (the official account's message push URL and Token), each new
 * template message is followed, after the send's answer, by the event TEMPLATESENDJOBFINISH posted to that
 * URL in plaintext mode, signed as WeChat signs it (signature = sha1 of the sorted Token, timestamp and
 * nonce), Status `success` unless `templateResult` set another for the recipient (`failed:user block`,
 * `failed: system failed`); a push not answered 200 is repeated up to 3 times in all, as WeChat does.
 *
 * Error injection (`inject`) can answer any path with an errcode, an HTTP status,
 * a non-JSON body, or add latency; for all requests or only those to one
 * recipient (`touser`: message sends). Control endpoints under /__fake/ let another
 * process drive it: GET calls, GET messages, POST inject, POST reset,
 * POST login-code, POST phone-code, POST oa-user, POST template-result, POST expire-tokens, GET health.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeWechatOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** appid → AppSecret of every app the fake knows. */
  appSecrets: Record<string, string>;
  /** Lifetime of an access token in seconds (default 7200). */
  tokenTtlS?: number;
  /** Accept `dev:<openid>` login codes and `devphone:<phone>` phone codes (default true). */
  devCodes?: boolean;
  /** Subscribe messages need a grant (grantSubscribe) or they fail with 43101 (default false). */
  requireSubscribeGrant?: boolean;
  /** Milliseconds clock, for tests. */
  now?: () => number;
  /** Where and with which Token template message results are pushed (none: not pushed). */
  oaPush?: OaPush;
}

export interface OaPush {
  url: string;
  token: string;
}

/** One push of a TEMPLATESENDJOBFINISH event, as the fake made it. */
export interface TemplateResultPush {
  msgid: number;
  touser: string;
  status: string;
  /** HTTP status of each attempt (0: no answer). */
  answers: number[];
}

export interface FakeCall {
  at: string;
  method: string;
  path: string;
  /** Query with `secret` redacted and `access_token` cut to its last 6 characters. */
  query: Record<string, string>;
  /** JSON body with `secret` redacted. */
  body: unknown;
  status: number;
  errcode: number;
  injected: boolean;
}

export interface InjectRule {
  /** Path to intercept, e.g. /wxa/business/getuserphonenumber. */
  path: string;
  /** Only requests whose JSON body names this recipient (template/send, subscribe/send `touser`). */
  touser?: string;
  errcode?: number;
  errmsg?: string;
  /** Answer with this HTTP status (and a plain-text body) instead. */
  httpStatus?: number;
  /** Answer 200 with a body that is not JSON. */
  malformed?: boolean;
  /** Wait this long first; alone, the request is then handled normally. */
  delayMs?: number;
  /** How many matching requests the rule applies to (default 1); 'always' until reset. */
  times?: number | 'always';
}

export interface SentMessage {
  kind: 'template' | 'subscribe';
  msgid: number;
  at: string;
  appid: string;
  touser: string;
  template_id: string;
  /** Template: url / miniprogram; subscribe: page / miniprogram_state / lang. */
  body: Record<string, unknown>;
  data: Record<string, { value: string }>;
  /** Template messages: what WeChat would strip or cut (the send still succeeds). */
  violations: string[];
}

export interface FakeWechat {
  url: string;
  port: number;
  close(): Promise<void>;
  calls(filter?: { path?: string }): FakeCall[];
  messages(filter?: { kind?: SentMessage['kind']; touser?: string }): SentMessage[];
  inject(rule: InjectRule): void;
  /** Forget calls, messages, rules, codes and tokens. */
  reset(): void;
  /** A single-use wx.login code for this openid (valid 5 min). */
  issueLoginCode(openid: string, options?: { unionid?: string }): string;
  /** A single-use getPhoneNumber code (valid 5 min). */
  issuePhoneCode(phone: string, options?: { countryCode?: string }): string;
  /** Make an official-account openid a follower (or not), with its unionid. */
  setOfficialAccountUser(openid: string, user: { subscribed: boolean; unionid?: string }): void;
  /** Let `touser` receive `count` one-time subscribe messages of this template. */
  grantSubscribe(touser: string, templateId: string, count?: number): void;
  /** Issue a new token for the appid as force_refresh would: the current one becomes 40001. */
  rotateToken(appid: string): void;
  /** Make every current token of the appid (or of all apps) expired: 42001. */
  expireTokens(appid?: string): void;
  /** Every session_key jscode2session handed out (tests check none of them leaks). */
  issuedSessionKeys(): string[];
  /** Push template message results to this URL, signed with this Token (undefined: stop pushing). */
  setOaPush(push: OaPush | undefined): void;
  /** The next `times` template messages to `touser` end with this Status (default 1). */
  templateResult(touser: string, status: string, times?: number): void;
  /** The pushes made so far; `settled` waits for those in flight first. */
  templateResultPushes(): TemplateResultPush[];
  pushesSettled(): Promise<void>;
}

interface TokenState {
  appid: string;
  expiresAt: number;
  /** Superseded by a force refresh: answers 40001 at once. */
  revoked: boolean;
  source: 'stable' | 'token';
}

interface CodeState {
  value: { openid: string; unionid?: string } | { phone: string; countryCode: string };
  expiresAt: number;
  used: boolean;
}

const CODE_TTL_MS = 5 * 60_000;
const DEDUP_MS = 10 * 60_000;
const ROLL_EARLY_S = 300;

class WechatError {
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
  ) {}
}

export async function startFakeWechat(options: FakeWechatOptions): Promise<FakeWechat> {
  const now = options.now ?? Date.now;
  const tokenTtlS = options.tokenTtlS ?? 7200;
  const devCodes = options.devCodes ?? true;

  let calls: FakeCall[] = [];
  let messages: SentMessage[] = [];
  let rules: (InjectRule & { left: number })[] = [];
  let tokens = new Map<string, TokenState>();
  /** appid → its current stable token / cgi-bin/token token. */
  let currentStable = new Map<string, string>();
  let currentPlain = new Map<string, string>();
  let codes = new Map<string, CodeState>();
  let phoneCodes = new Map<string, CodeState>();
  let oaUsers = new Map<string, { subscribed: boolean; unionid?: string }>();
  let grants = new Map<string, number>();
  /** 发货信息管理: the shipping uploads accepted, by out_trade_no (or transaction_id). */
  let shippings = new Map<string, Record<string, unknown>>();
  let dedup = new Map<string, { msgid: number; at: number }>();
  let nextMsgid = 1_000_000;
  let sessionKeys: string[] = [];
  let oaPush = options.oaPush;
  let resultRules: { touser: string; status: string; left: number }[] = [];
  let pushes: TemplateResultPush[] = [];
  const inFlight = new Set<Promise<void>>();

  // ---- template message results (TEMPLATESENDJOBFINISH) ------------------------------------

  function statusFor(touser: string): string {
    const rule = resultRules.find((r) => r.touser === touser && r.left > 0);
    if (!rule) return 'success';
    rule.left -= 1;
    return rule.status;
  }

  async function pushResult(push: OaPush, record: TemplateResultPush): Promise<void> {
    const timestamp = String(Math.floor(now() / 1000));
    const nonce = randomBytes(8).toString('hex');
    const signature = createHash('sha1').update([push.token, timestamp, nonce].sort().join('')).digest('hex');
    const xml =
      `<xml><ToUserName><![CDATA[gh_fakeoa0000]]></ToUserName><FromUserName><![CDATA[${record.touser}]]></FromUserName>` +
      `<CreateTime>${timestamp}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event>` +
      `<MsgID>${record.msgid}</MsgID><Status><![CDATA[${record.status}]]></Status></xml>`;
    const url = new URL(push.url);
    url.search = new URLSearchParams({ signature, timestamp, nonce, openid: record.touser }).toString();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      let status = 0;
      try {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: xml, signal: AbortSignal.timeout(5_000) });
        status = res.status;
        await res.text();
      } catch {
        status = 0;
      }
      record.answers.push(status);
      if (status === 200) return;
      await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)));
    }
  }

  function schedulePush(msgid: number, touser: string): void {
    const status = statusFor(touser);
    const push = oaPush;
    if (!push) return;
    const record: TemplateResultPush = { msgid, touser, status, answers: [] };
    pushes.push(record);
    // After the send's answer has gone out, as WeChat pushes the result later.
    const running: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => pushResult(push, record))
      .finally(() => inFlight.delete(running));
    inFlight.add(running);
  }

  // ---- tokens -----------------------------------------------------------------------------

  function newToken(appid: string, source: TokenState['source']): string {
    const token = `fake_${source}_${randomBytes(24).toString('base64url')}`;
    tokens.set(token, { appid, expiresAt: now() + tokenTtlS * 1000, revoked: false, source });
    (source === 'stable' ? currentStable : currentPlain).set(appid, token);
    return token;
  }

  function checkApp(appid: unknown, secret: unknown): string {
    if (typeof appid !== 'string' || !(appid in options.appSecrets)) throw new WechatError(40013, 'invalid appid');
    if (secret !== options.appSecrets[appid]) throw new WechatError(40125, 'invalid appsecret');
    return appid;
  }

  /** The app whose valid token this is, or the documented token error. */
  function checkToken(token: string | undefined): string {
    if (!token) throw new WechatError(41001, 'access_token missing');
    const state = tokens.get(token);
    if (!state) throw new WechatError(40001, 'invalid credential, access_token is invalid or not latest');
    if (state.revoked) throw new WechatError(40001, 'invalid credential, access_token is invalid or not latest');
    if (state.expiresAt <= now()) throw new WechatError(42001, 'access_token expired');
    return state.appid;
  }

  function stableToken(body: Record<string, unknown>): Record<string, unknown> {
    if (body.grant_type !== 'client_credential') throw new WechatError(40002, 'invalid grant_type');
    const appid = checkApp(body.appid, body.secret);
    const current = currentStable.get(appid);
    const state = current ? tokens.get(current) : undefined;
    if (body.force_refresh === true && current && state) state.revoked = true;
    let token = current;
    if (body.force_refresh === true || !state || state.revoked || state.expiresAt - now() <= ROLL_EARLY_S * 1000) {
      token = newToken(appid, 'stable');
    }
    const expiresIn = Math.floor((tokens.get(token!)!.expiresAt - now()) / 1000);
    return { access_token: token, expires_in: expiresIn };
  }

  function plainToken(query: Record<string, string>): Record<string, unknown> {
    if (query.grant_type !== 'client_credential') throw new WechatError(40002, 'invalid grant_type');
    const appid = checkApp(query.appid, query.secret);
    const previous = currentPlain.get(appid);
    const state = previous ? tokens.get(previous) : undefined;
    // The previous token survives up to 5 more minutes.
    if (state) state.expiresAt = Math.min(state.expiresAt, now() + 5 * 60_000);
    return { access_token: newToken(appid, 'token'), expires_in: tokenTtlS };
  }

  // ---- login and phone ----------------------------------------------------------------------

  function issueLoginCode(openid: string, opts: { unionid?: string } = {}): string {
    const code = randomBytes(16).toString('hex');
    codes.set(code, { value: opts.unionid ? { openid, unionid: opts.unionid } : { openid }, expiresAt: now() + CODE_TTL_MS, used: false });
    return code;
  }

  function issuePhoneCode(phone: string, opts: { countryCode?: string } = {}): string {
    const code = randomBytes(16).toString('hex');
    phoneCodes.set(code, { value: { phone, countryCode: opts.countryCode ?? '86' }, expiresAt: now() + CODE_TTL_MS, used: false });
    return code;
  }

  function takeCode(map: Map<string, CodeState>, code: string | undefined): CodeState['value'] {
    const state = code ? map.get(code) : undefined;
    if (!state || state.used || state.expiresAt <= now()) throw new WechatError(40029, 'invalid code');
    state.used = true;
    return state.value;
  }

  function jscode2session(query: Record<string, string>): Record<string, unknown> {
    const appid = checkApp(query.appid, query.secret);
    if (query.grant_type !== 'authorization_code') throw new WechatError(40002, 'invalid grant_type');
    const code = query.js_code ?? '';
    let who: { openid: string; unionid?: string };
    const dev = devCodes ? /^dev:([A-Za-z0-9_-]{1,64})(?::([A-Za-z0-9_-]{1,64}))?$/.exec(code) : null;
    if (dev) who = dev[2] ? { openid: dev[1]!, unionid: dev[2] } : { openid: dev[1]! };
    else who = takeCode(codes, code) as { openid: string; unionid?: string };
    void appid;
    const sessionKey = randomBytes(16).toString('base64');
    sessionKeys.push(sessionKey);
    return { openid: who.openid, session_key: sessionKey, ...(who.unionid ? { unionid: who.unionid } : {}) };
  }

  function getPhoneNumber(query: Record<string, string>, body: Record<string, unknown>): Record<string, unknown> {
    const appid = checkToken(query.access_token);
    const code = typeof body.code === 'string' ? body.code : undefined;
    let phone: { phone: string; countryCode: string };
    const dev = devCodes && code ? /^devphone:(\d{11})$/.exec(code) : null;
    if (dev) phone = { phone: dev[1]!, countryCode: '86' };
    else phone = takeCode(phoneCodes, code) as { phone: string; countryCode: string };
    return {
      errcode: 0,
      errmsg: 'ok',
      phone_info: {
        phoneNumber: phone.countryCode === '86' ? phone.phone : `+${phone.countryCode} ${phone.phone}`,
        purePhoneNumber: phone.phone,
        countryCode: phone.countryCode,
        watermark: { timestamp: Math.floor(now() / 1000), appid },
      },
    };
  }

  function userInfo(query: Record<string, string>): Record<string, unknown> {
    checkToken(query.access_token);
    const openid = query.openid;
    if (!openid) throw new WechatError(40003, 'invalid openid');
    const user = oaUsers.get(openid);
    if (!user?.subscribed) return { subscribe: 0, openid };
    return {
      subscribe: 1,
      openid,
      language: query.lang ?? 'zh_CN',
      subscribe_time: Math.floor(now() / 1000),
      ...(user.unionid ? { unionid: user.unionid } : {}),
      remark: '',
      groupid: 0,
      tagid_list: [],
      subscribe_scene: 'ADD_SCENE_QR_CODE',
    };
  }

  // ---- messages -----------------------------------------------------------------------------

  function readData(body: Record<string, unknown>): Record<string, { value: string }> {
    const data = body.data;
    if (data === undefined) return {};
    if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new WechatError(47001, 'data format error');
    const out: Record<string, { value: string }> = {};
    for (const [key, entry] of Object.entries(data as Record<string, unknown>)) {
      const value = entry && typeof entry === 'object' ? (entry as { value?: unknown }).value : undefined;
      if (typeof value !== 'string') throw new WechatError(47001, `data format error: ${key}.value`);
      out[key] = { value };
    }
    return out;
  }

  function record(kind: SentMessage['kind'], appid: string, body: Record<string, unknown>, data: SentMessage['data'], violations: string[]): number {
    const { touser, template_id, data: _data, ...rest } = body;
    void _data;
    const msgid = nextMsgid++;
    messages.push({
      kind,
      msgid,
      at: new Date(now()).toISOString(),
      appid,
      touser: String(touser),
      template_id: String(template_id),
      body: rest,
      data,
      violations,
    });
    return msgid;
  }

  function templateSend(query: Record<string, string>, body: Record<string, unknown>): Record<string, unknown> {
    const appid = checkToken(query.access_token);
    if (typeof body.touser !== 'string' || body.touser === '') throw new WechatError(40003, 'invalid openid');
    if (typeof body.template_id !== 'string' || body.template_id === '') throw new WechatError(40037, 'invalid template_id');
    const data = readData(body);
    const violations: string[] = [];
    for (const [key, { value }] of Object.entries(data)) {
      if (key === 'first' || key === 'remark') violations.push(`${key}: no longer shown since 2023-05-04`);
      else if ([...value].length > 20) violations.push(`${key}: longer than 20 characters (${[...value].length})`);
      if (/[\r\n]/.test(value)) violations.push(`${key}: contains a line break`);
    }
    const clientMsgId = typeof body.client_msg_id === 'string' ? body.client_msg_id : undefined;
    if (clientMsgId) {
      const key = `${appid}|${body.touser}|${clientMsgId}`;
      const seen = dedup.get(key);
      if (seen && now() - seen.at < DEDUP_MS) return { errcode: 0, errmsg: 'ok', msgid: seen.msgid };
      const msgid = record('template', appid, body, data, violations);
      dedup.set(key, { msgid, at: now() });
      schedulePush(msgid, body.touser);
      return { errcode: 0, errmsg: 'ok', msgid };
    }
    const msgid = record('template', appid, body, data, violations);
    schedulePush(msgid, body.touser);
    return { errcode: 0, errmsg: 'ok', msgid };
  }

  function subscribeSend(query: Record<string, string>, body: Record<string, unknown>): Record<string, unknown> {
    const appid = checkToken(query.access_token);
    if (typeof body.touser !== 'string' || body.touser === '') throw new WechatError(40003, 'invalid openid');
    if (typeof body.template_id !== 'string' || body.template_id === '') throw new WechatError(40037, 'invalid template_id');
    if (body.miniprogram_state !== undefined && !['developer', 'trial', 'formal'].includes(String(body.miniprogram_state))) {
      throw new WechatError(47003, 'argument invalid! miniprogram_state');
    }
    const data = readData(body);
    for (const [key, { value }] of Object.entries(data)) {
      const problem = subscribeValueProblem(key, value);
      if (problem) throw new WechatError(47003, `argument invalid! data.${key}.value ${problem}`);
    }
    if (options.requireSubscribeGrant) {
      const grantKey = `${body.touser}|${body.template_id}`;
      const left = grants.get(grantKey) ?? 0;
      if (left <= 0) throw new WechatError(43101, 'user refuse to accept the msg');
      grants.set(grantKey, left - 1);
    }
    return { errcode: 0, errmsg: 'ok', msgid: record('subscribe', appid, body, data, []) };
  }

  /**
   * 发货信息录入 (wxa/sec/order/upload_shipping_info), with the documented
   * checks: the order key (1: mchid + out_trade_no, 2: transaction_id), the
   * logistics type, the delivery mode, a shipping list of 1–15 items each with
   * item_desc (≤ 120 characters) and, for express delivery (1), tracking_no
   * and express_company; upload_time in RFC 3339; the payer's openid. A second
   * upload for an order already shipped answers 10060002.
   */
  function uploadShippingInfo(query: Record<string, string>, body: Record<string, unknown>): Record<string, unknown> {
    checkToken(query.access_token);
    const key = body.order_key as Record<string, unknown> | undefined;
    if (!key || typeof key !== 'object') throw new WechatError(47001, 'data format error: order_key');
    let orderId: string;
    if (key.order_number_type === 1) {
      if (typeof key.mchid !== 'string' || !key.mchid || typeof key.out_trade_no !== 'string' || !key.out_trade_no) throw new WechatError(10060014, 'order_key: mchid and out_trade_no required');
      orderId = key.out_trade_no;
    } else if (key.order_number_type === 2) {
      if (typeof key.transaction_id !== 'string' || !key.transaction_id) throw new WechatError(10060014, 'order_key: transaction_id required');
      orderId = key.transaction_id;
    } else throw new WechatError(10060014, 'order_key.order_number_type must be 1 or 2');
    if (![1, 2, 3, 4].includes(Number(body.logistics_type))) throw new WechatError(10060005, 'logistics_type invalid');
    if (![1, 2].includes(Number(body.delivery_mode))) throw new WechatError(10060014, 'delivery_mode invalid');
    if (body.delivery_mode === 2 && typeof body.is_all_delivered !== 'boolean') throw new WechatError(10060007, 'is_all_delivered required in SPLIT_DELIVERY');
    const list = body.shipping_list;
    if (!Array.isArray(list) || list.length === 0) throw new WechatError(10060014, 'shipping_list required');
    if (list.length > 15) throw new WechatError(10060024, 'shipping_list too long');
    for (const item of list as Record<string, unknown>[]) {
      if (typeof item.item_desc !== 'string' || item.item_desc === '') throw new WechatError(10060008, 'item_desc required');
      if ([...item.item_desc].length > 120) throw new WechatError(10060009, 'item_desc too long');
      if (body.logistics_type === 1) {
        if (typeof item.tracking_no !== 'string' || item.tracking_no === '') throw new WechatError(10060014, 'tracking_no required for express');
        if (item.tracking_no.length > 128) throw new WechatError(10060026, 'tracking_no too long');
        if (typeof item.express_company !== 'string' || item.express_company === '') throw new WechatError(10060014, 'express_company required for express');
      }
    }
    if (typeof body.upload_time !== 'string' || Number.isNaN(Date.parse(body.upload_time)) || !/T.*([+-]\d{2}:\d{2}|Z)$/.test(body.upload_time)) {
      throw new WechatError(10060014, 'upload_time must be RFC 3339');
    }
    const payer = body.payer as Record<string, unknown> | undefined;
    if (!payer || typeof payer.openid !== 'string' || payer.openid === '') throw new WechatError(10060014, 'payer.openid required');
    if (shippings.has(orderId)) throw new WechatError(10060002, '支付单已完成发货，无法继续发货');
    shippings.set(orderId, body);
    return { errcode: 0, errmsg: 'ok' };
  }

  // ---- HTTP -----------------------------------------------------------------------------------

  function route(method: string, path: string, query: Record<string, string>, body: Record<string, unknown>): Record<string, unknown> {
    const key = `${method} ${path}`;
    switch (key) {
      case 'POST /cgi-bin/stable_token':
        return stableToken(body);
      case 'GET /cgi-bin/token':
        return plainToken(query);
      case 'GET /sns/jscode2session':
        return jscode2session(query);
      case 'POST /wxa/business/getuserphonenumber':
        return getPhoneNumber(query, body);
      case 'GET /cgi-bin/user/info':
        return userInfo(query);
      case 'POST /cgi-bin/message/template/send':
        return templateSend(query, body);
      case 'POST /cgi-bin/message/subscribe/send':
        return subscribeSend(query, body);
      case 'POST /wxa/sec/order/upload_shipping_info':
        return uploadShippingInfo(query, body);
      default:
        throw new HttpError(404, `fake-wechat: no ${key}`);
    }
  }

  function control(method: string, path: string, body: Record<string, unknown>, url: URL): unknown {
    switch (`${method} ${path}`) {
      case 'GET /__fake/health':
        return { ok: true, service: 'fake-wechat' };
      case 'GET /__fake/calls':
        return { calls: fake.calls({ path: url.searchParams.get('path') ?? undefined }) };
      case 'GET /__fake/messages': {
        const kind = url.searchParams.get('kind');
        return {
          messages: fake.messages({
            kind: kind === 'template' || kind === 'subscribe' ? kind : undefined,
            touser: url.searchParams.get('touser') ?? undefined,
          }),
        };
      }
      case 'POST /__fake/inject':
        fake.inject(body as unknown as InjectRule);
        return { ok: true };
      case 'POST /__fake/reset':
        fake.reset();
        return { ok: true };
      case 'POST /__fake/login-code':
        return { code: fake.issueLoginCode(String(body.openid), { unionid: typeof body.unionid === 'string' ? body.unionid : undefined }) };
      case 'POST /__fake/phone-code':
        return { code: fake.issuePhoneCode(String(body.phone)) };
      case 'POST /__fake/oa-user':
        fake.setOfficialAccountUser(String(body.openid), {
          subscribed: body.subscribed !== false,
          unionid: typeof body.unionid === 'string' ? body.unionid : undefined,
        });
        return { ok: true };
      case 'POST /__fake/subscribe-grant':
        fake.grantSubscribe(String(body.touser), String(body.template_id), typeof body.count === 'number' ? body.count : 1);
        return { ok: true };
      case 'POST /__fake/template-result':
        fake.templateResult(String(body.touser), String(body.status), typeof body.times === 'number' ? body.times : 1);
        return { ok: true };
      case 'POST /__fake/expire-tokens':
        fake.expireTokens(typeof body.appid === 'string' ? body.appid : undefined);
        return { ok: true };
      default:
        throw new HttpError(404, `fake-wechat: no ${method} ${path}`);
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake-wechat');
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    let body: Record<string, unknown> = {};
    if (raw.length > 0) {
      try {
        const parsed: unknown = JSON.parse(raw);
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
      } catch {
        if (!url.pathname.startsWith('/__fake/')) return sendJson(res, 200, { errcode: 47001, errmsg: 'data format error' });
        return sendJson(res, 400, { error: 'body is not JSON' });
      }
    }

    if (url.pathname.startsWith('/__fake/')) {
      try {
        return sendJson(res, 200, control(method, url.pathname, body, url));
      } catch (err) {
        return sendJson(res, err instanceof HttpError ? err.status : 400, { error: (err as Error).message });
      }
    }

    const query = Object.fromEntries(url.searchParams);
    const call: FakeCall = {
      at: new Date(now()).toISOString(),
      method,
      path: url.pathname,
      query: redact(query) as Record<string, string>,
      body: raw.length > 0 ? redact(body) : undefined,
      status: 200,
      errcode: 0,
      injected: false,
    };
    calls.push(call);

    const rule = rules.find((r) => r.path === url.pathname && r.left > 0 && (r.touser === undefined || r.touser === body.touser));
    if (rule) {
      rule.left -= 1;
      if (rule.delayMs) await new Promise((resolve) => setTimeout(resolve, rule.delayMs));
      if (res.destroyed) return;
      if (rule.httpStatus !== undefined) {
        Object.assign(call, { status: rule.httpStatus, injected: true });
        res.writeHead(rule.httpStatus, { 'content-type': 'text/plain' }).end(http.STATUS_CODES[rule.httpStatus] ?? 'error');
        return;
      }
      if (rule.malformed) {
        call.injected = true;
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html>system busy</html>');
        return;
      }
      if (rule.errcode !== undefined) {
        Object.assign(call, { errcode: rule.errcode, injected: true });
        return sendJson(res, 200, { errcode: rule.errcode, errmsg: rule.errmsg ?? `injected error ${rule.errcode}` });
      }
    }

    try {
      const answer = route(method, url.pathname, query, body);
      return sendJson(res, 200, answer);
    } catch (err) {
      if (err instanceof WechatError) {
        call.errcode = err.errcode;
        return sendJson(res, 200, { errcode: err.errcode, errmsg: `${err.errmsg} rid: ${randomUUID().slice(0, 8)}` });
      }
      const status = err instanceof HttpError ? err.status : 500;
      call.status = status;
      return sendJson(res, status, { error: (err as Error).message });
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: String(err) });
    });
  });
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  const fake: FakeWechat = {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
    calls: (filter = {}) => calls.filter((c) => !filter.path || c.path === filter.path).map((c) => ({ ...c })),
    messages: (filter = {}) =>
      messages.filter((m) => (!filter.kind || m.kind === filter.kind) && (!filter.touser || m.touser === filter.touser)).map((m) => ({ ...m })),
    inject(rule) {
      if (typeof rule?.path !== 'string' || !rule.path.startsWith('/')) throw new Error('inject: path must start with /');
      const left = rule.times === 'always' ? Number.POSITIVE_INFINITY : (rule.times ?? 1);
      rules.push({ ...rule, left });
    },
    reset() {
      calls = [];
      messages = [];
      rules = [];
      tokens = new Map();
      currentStable = new Map();
      currentPlain = new Map();
      codes = new Map();
      phoneCodes = new Map();
      oaUsers = new Map();
      grants = new Map();
      shippings = new Map();
      dedup = new Map();
      sessionKeys = [];
      resultRules = [];
      pushes = [];
    },
    issueLoginCode,
    issuePhoneCode,
    setOfficialAccountUser(openid, user) {
      oaUsers.set(openid, user);
    },
    grantSubscribe(touser, templateId, count = 1) {
      const key = `${touser}|${templateId}`;
      grants.set(key, (grants.get(key) ?? 0) + count);
    },
    rotateToken(appid) {
      const current = currentStable.get(appid);
      const state = current ? tokens.get(current) : undefined;
      if (state) state.revoked = true;
      newToken(appid, 'stable');
    },
    issuedSessionKeys: () => [...sessionKeys],
    setOaPush(push) {
      oaPush = push;
    },
    templateResult(touser, status, times = 1) {
      resultRules.push({ touser, status, left: times });
    },
    templateResultPushes: () => pushes.map((p) => ({ ...p, answers: [...p.answers] })),
    async pushesSettled() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    expireTokens(appid) {
      for (const state of tokens.values()) if (!appid || state.appid === appid) state.expiresAt = Math.min(state.expiresAt, now());
    },
  };
  return fake;
}

/** Why a subscribe-message value breaks its key type's rule (WeChat's rules per key type), or undefined. */
export function subscribeValueProblem(key: string, value: string): string | undefined {
  const type = /^([a-z_]+?)\d+$/.exec(key)?.[1];
  const length = [...value].length;
  if (/[\r\n]/.test(value)) return 'contains a line break';
  const max = (n: number) => (length > n ? `is longer than ${n}` : undefined);
  switch (type) {
    case 'thing':
      return max(20);
    case 'number':
      return max(32) ?? (/^[\d.]*$/.test(value) ? undefined : 'is not a number');
    case 'letter':
      return max(32) ?? (/^[A-Za-z]*$/.test(value) ? undefined : 'is not letters');
    case 'character_string':
      return max(32) ?? (/^[\x21-\x7e]*$/.test(value) ? undefined : 'is not a character string');
    case 'symbol':
      return max(5);
    case 'phone_number':
      return max(17) ?? (/^[\d+\- ]*$/.test(value) ? undefined : 'is not a phone number');
    case 'name':
      return /[^\x00-\x7f]/.test(value) ? max(10) : max(20);
    case 'phrase':
      return max(5) ?? (/^[\u4e00-\u9fff]*$/.test(value) ? undefined : 'is not Chinese');
    case 'amount':
      return /^[¥$￥]?\d{1,10}(\.\d{1,2})?元?$/.test(value) ? undefined : 'is not an amount';
    case 'time':
    case 'date':
      return /^\d{4}年\d{1,2}月\d{1,2}日( \d{1,2}:\d{2})?(~\d{4}年\d{1,2}月\d{1,2}日( \d{1,2}:\d{2})?)?$/.test(value) ||
        /^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?(~.+)?$/.test(value) ||
        /^\d{1,2}:\d{2}(~\d{1,2}:\d{2})?$/.test(value)
        ? undefined
        : 'is not a time';
    default:
      return undefined;
  }
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function redact(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...value };
  if ('secret' in out) out.secret = '[redacted]';
  if (typeof out.access_token === 'string') out.access_token = `…${out.access_token.slice(-6)}`;
  return out;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 1_000_000) req.destroy(new Error('body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}
