/**
 * What EduCard asks of the WeChat server API (see ../shared/DOMAIN.md §2–3).
 * The implementation (wechat-api-client.ts) talks to WECHAT_API_BASE: the real
 * api.weixin.qq.com in production, tools/fake-wechat in development and tests.
 */

export interface WechatSession {
  openid: string;
  /** Present only when the mini-program is bound to an Open Platform account. */
  unionid?: string;
}

export interface WechatPhone {
  /** Without country code, e.g. 13812345678. */
  purePhoneNumber: string;
  countryCode: string;
}

export interface WechatClient {
  /** sns/jscode2session. The session_key is dropped here: it never leaves this module. */
  code2Session(code: string): Promise<WechatSession>;
  /** wxa/business/getuserphonenumber with the mini-program's access token. */
  getPhoneNumber(code: string): Promise<WechatPhone>;
  /** cgi-bin/user/info of the official account: its openid → unionid, when the user follows it. */
  officialAccountUser(oaOpenid: string): Promise<{ subscribed: boolean; unionid?: string }>;
  /** wxa/sec/order/upload_shipping_info (发货信息管理) with the mini-program's access token. */
  uploadShippingInfo(info: ShippingInfo): Promise<void>;
}

/** One order's shipping as 发货信息录入 takes it (express delivery of one parcel). */
export interface ShippingInfo {
  transactionId: string;
  payerOpenid: string;
  expressCompany: string;
  trackingNo: string;
  itemDesc: string;
  /** RFC 3339 with the China offset, e.g. 2026-12-03T21:00:00.000+08:00. */
  uploadTime: string;
}

/** A WeChat API answered with a non-zero errcode (after the token retry). */
export class WechatApiError extends Error {
  constructor(
    readonly api: string,
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    super(`${api} failed: ${errcode} ${errmsg}`);
    this.name = 'WechatApiError';
  }
}

/** WeChat did not answer, or answered with 5xx / garbage. */
export class WechatUnavailableError extends Error {
  constructor(
    readonly api: string,
    cause: unknown,
  ) {
    super(`${api}: WeChat unavailable`, { cause });
    this.name = 'WechatUnavailableError';
  }
}
