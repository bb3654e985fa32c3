/**
 * The WechatClient over HTTP (DOMAIN.md §2–3): api.weixin.qq.com in
 * production, tools/fake-wechat in development and tests.
 *
 * `callWechat` is the one way to call a WeChat server API: it adds the access
 * token, retries once after a token error (40001 / 42001 / 40014) with a fresh
 * token, and turns every failure into WechatApiError (errcode ≠ 0) or
 * WechatUnavailableError (network, timeout, non-2xx, not JSON). Template and
 * subscribe messages (issue #5) reuse it.
 */
import type { Logger } from '../../logging/logger';
import type { AccessTokens, TokenKind } from './access-token';
import { WechatApiError, WechatUnavailableError, type ShippingInfo, type WechatClient, type WechatPhone, type WechatSession } from './wechat-client';
import { wechatHttpRequest, type WechatHttpAnswer } from './wechat-http';

/** Errcodes that mean "this access token is no longer good": refresh and retry once. */
export const TOKEN_ERRCODES: ReadonlySet<number> = new Set([40001, 42001, 40014]);

/** What callWechat needs: where WeChat is, the shared tokens, a logger. */
export interface WechatApi {
  apiBase: string;
  tokens: AccessTokens;
  logger: Logger;
  /** Timeout of one HTTP request (default 5 s). */
  timeoutMs?: number;
}

export interface WechatRequest {
  method: 'GET' | 'POST';
  /** e.g. /wxa/business/getuserphonenumber */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Which app's access token to add as ?access_token=. */
  token?: TokenKind;
}

/** A WeChat answer: errcode is absent or 0 on success. */
export type WechatAnswer = { errcode?: number; errmsg?: string } & Record<string, unknown>;

/**
 * Call one WeChat server API. Resolves with the parsed JSON when errcode is
 * absent or 0; rejects with WechatApiError or WechatUnavailableError.
 */
export async function callWechat<T extends object = WechatAnswer>(api: WechatApi, request: WechatRequest): Promise<T & WechatAnswer> {
  const name = request.path.replace(/^\//, '');
  for (let attempt = 1; ; attempt++) {
    const token = request.token ? await api.tokens.get(request.token) : undefined;
    const answer = await send(api, name, request, token);
    const errcode = typeof answer.errcode === 'number' ? answer.errcode : 0;
    if (errcode === 0) return answer as T & WechatAnswer;
    if (request.token && token && TOKEN_ERRCODES.has(errcode) && attempt === 1) {
      api.logger.warn({ api: name, errcode }, 'WeChat rejected the access token; refreshing it and retrying once');
      await api.tokens.invalidate(request.token, token);
      continue;
    }
    api.logger.info({ api: name, errcode, errmsg: answer.errmsg }, 'WeChat API error');
    throw new WechatApiError(name, errcode, String(answer.errmsg ?? ''));
  }
}

async function send(api: WechatApi, name: string, request: WechatRequest, token: string | undefined): Promise<WechatAnswer> {
  const url = new URL(request.path, api.apiBase);
  for (const [k, v] of Object.entries(request.query ?? {})) url.searchParams.set(k, v);
  if (token) url.searchParams.set('access_token', token);
  let response: WechatHttpAnswer;
  try {
    response = await wechatHttpRequest(url, { method: request.method, body: request.body, timeoutMs: api.timeoutMs ?? 5_000 });
  } catch (err) {
    // The URL carries the secret or the token: never put it in the error or the log.
    api.logger.warn({ api: name, reason: errorName(err) }, 'WeChat did not answer');
    throw new WechatUnavailableError(name, err);
  }
  if (response.status < 200 || response.status > 299) {
    api.logger.warn({ api: name, status: response.status }, 'WeChat answered with an HTTP error');
    throw new WechatUnavailableError(name, new Error(`HTTP ${response.status}`));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch (err) {
    api.logger.warn({ api: name, reason: errorName(err) }, 'WeChat answered with something other than JSON');
    throw new WechatUnavailableError(name, err);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new WechatUnavailableError(name, new Error('answer is not a JSON object'));
  }
  return parsed as WechatAnswer;
}

function errorName(err: unknown): string {
  if (err instanceof Error) return err.name === 'TimeoutError' ? 'timeout' : `${err.name}: ${err.message}`;
  return String(err);
}

export interface WechatApiClientOptions extends WechatApi {
  mpAppid: string;
  mpSecret: string;
}

/** WechatClient against WECHAT_API_BASE. */
export class WechatApiClient implements WechatClient {
  constructor(private readonly options: WechatApiClientOptions) {}

  async code2Session(code: string): Promise<WechatSession> {
    const answer = await callWechat<{ openid?: unknown; unionid?: unknown }>(this.options, {
      method: 'GET',
      path: '/sns/jscode2session',
      query: { appid: this.options.mpAppid, secret: this.options.mpSecret, js_code: code, grant_type: 'authorization_code' },
    });
    // session_key is deliberately not read: it never leaves this function.
    if (typeof answer.openid !== 'string' || answer.openid === '') {
      throw new WechatUnavailableError('sns/jscode2session', new Error('answer without openid'));
    }
    return typeof answer.unionid === 'string' && answer.unionid !== ''
      ? { openid: answer.openid, unionid: answer.unionid }
      : { openid: answer.openid };
  }

  async getPhoneNumber(code: string): Promise<WechatPhone> {
    const answer = await callWechat<{ phone_info?: { purePhoneNumber?: unknown; countryCode?: unknown } }>(this.options, {
      method: 'POST',
      path: '/wxa/business/getuserphonenumber',
      body: { code },
      token: 'mp',
    });
    const info = answer.phone_info;
    if (!info || typeof info.purePhoneNumber !== 'string') {
      throw new WechatUnavailableError('wxa/business/getuserphonenumber', new Error('answer without phone_info'));
    }
    return { purePhoneNumber: info.purePhoneNumber, countryCode: String(info.countryCode ?? '86') };
  }

  async uploadShippingInfo(info: ShippingInfo): Promise<void> {
    await callWechat(this.options, {
      method: 'POST',
      path: '/wxa/sec/order/upload_shipping_info',
      body: {
        order_key: { order_number_type: 2, transaction_id: info.transactionId },
        logistics_type: 1,
        delivery_mode: 1,
        shipping_list: [{ tracking_no: info.trackingNo, express_company: info.expressCompany, item_desc: info.itemDesc }],
        upload_time: info.uploadTime,
        payer: { openid: info.payerOpenid },
      },
      token: 'mp',
    });
  }

  async officialAccountUser(oaOpenid: string): Promise<{ subscribed: boolean; unionid?: string }> {
    const answer = await callWechat<{ subscribe?: unknown; unionid?: unknown }>(this.options, {
      method: 'GET',
      path: '/cgi-bin/user/info',
      query: { openid: oaOpenid, lang: 'zh_CN' },
      token: 'oa',
    });
    const subscribed = answer.subscribe === 1;
    return typeof answer.unionid === 'string' && answer.unionid !== '' ? { subscribed, unionid: answer.unionid } : { subscribed };
  }
}
