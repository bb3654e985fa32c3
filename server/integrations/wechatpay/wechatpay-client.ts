/**
 * The WeChat Pay APIv3 calls EduCard makes, over wechatpay-axios-plugin
 * (DESIGN.md D2): it signs each request with the merchant key (Authorization
 * WECHATPAY2-SHA256-RSA2048) and verifies each 2xx response's signature with
 * the key its Wechatpay-Serial names (certificate or public key), refusing
 * responses more than 5 minutes off.
 *
 *   POST /v3/pay/transactions/jsapi                          → prepay_id
 *   GET  /v3/pay/transactions/out-trade-no/{no}?mchid=       → the transaction (null: ORDER_NOT_EXIST)
 *   POST /v3/pay/transactions/out-trade-no/{no}/close        → 204
 *   POST /v3/refund/domestic/refunds                         → the refund
 *   GET  /v3/refund/domestic/refunds/{out_refund_no}         → the refund (null: RESOURCE_NOT_EXISTS)
 *
 * Failures: WeChat Pay's documented error answers become WechatPayApiError
 * (status, code, message); no answer, a timeout or a response whose signature
 * does not verify become WechatPayUnavailableError (retry later).
 */
import { randomBytes } from 'node:crypto';
import { Formatter, Rsa, Wechatpay } from 'wechatpay-axios-plugin';
import type { WechatPayKeys } from './wechatpay-keys';

export interface WechatPayAmount {
  total: number;
  currency?: string;
  payer_total?: number;
  payer_currency?: string;
}

/** A transaction as the query answers it and as a TRANSACTION.* notification carries it (decrypted). */
export interface WechatPayTransaction {
  appid?: string;
  mchid?: string;
  out_trade_no: string;
  transaction_id?: string;
  trade_type?: string;
  /** SUCCESS | REFUND | NOTPAY | CLOSED | REVOKED | USERPAYING | PAYERROR */
  trade_state: string;
  trade_state_desc?: string;
  success_time?: string;
  payer?: { openid?: string };
  amount?: WechatPayAmount;
}

/** A refund as the refund API answers it; notifications carry `refund_status` instead of `status`. */
export interface WechatPayRefund {
  refund_id?: string;
  out_refund_no: string;
  transaction_id?: string;
  out_trade_no?: string;
  /** SUCCESS | CLOSED | PROCESSING | ABNORMAL */
  status: string;
  success_time?: string;
  amount?: { total?: number; refund?: number; currency?: string };
}

/** wx.requestPayment's parameters; paySign is computed here with the merchant key. */
export interface RequestPaymentParams {
  appId: string;
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: 'RSA';
  paySign: string;
}

export class WechatPayApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`WeChat Pay ${status} ${code}: ${message}`);
    this.name = 'WechatPayApiError';
  }
}

export class WechatPayUnavailableError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'WechatPayUnavailableError';
  }
}

export interface JsapiPrepayInput {
  appid: string;
  description: string;
  outTradeNo: string;
  timeExpire: Date;
  notifyUrl: string;
  amountFen: number;
  payerOpenid: string;
  attach?: string;
}

export interface RefundInput {
  outTradeNo: string;
  outRefundNo: string;
  reason?: string;
  notifyUrl: string;
  refundFen: number;
  totalFen: number;
}

export interface WechatPayGateway {
  jsapiPrepay(input: JsapiPrepayInput): Promise<{ prepayId: string }>;
  queryOrder(outTradeNo: string): Promise<WechatPayTransaction | null>;
  closeOrder(outTradeNo: string): Promise<void>;
  createRefund(input: RefundInput): Promise<WechatPayRefund>;
  queryRefund(outRefundNo: string): Promise<WechatPayRefund | null>;
  requestPaymentParams(appId: string, prepayId: string, nowMs?: number): RequestPaymentParams;
}

/** RFC 3339 in China time, as WeChat Pay writes it: 2026-05-01T12:30:00+08:00. */
export function rfc3339China(date: Date): string {
  const local = new Date(date.getTime() + 8 * 3600_000);
  return `${local.toISOString().slice(0, 19)}+08:00`;
}

/** The mini-program's wx.requestPayment parameters for a prepay_id, signed with the merchant key. */
export function buildRequestPaymentParams(privateKey: WechatPayKeys['merchantPrivateKey'], appId: string, prepayId: string, nowMs = Date.now()): RequestPaymentParams {
  const timeStamp = String(Math.floor(nowMs / 1000));
  const nonceStr = randomBytes(16).toString('hex');
  const pkg = `prepay_id=${prepayId}`;
  return {
    appId,
    timeStamp,
    nonceStr,
    package: pkg,
    signType: 'RSA',
    paySign: Rsa.sign(Formatter.joinedByLineFeed(appId, timeStamp, nonceStr, pkg), privateKey),
  };
}

interface AxiosLikeError {
  response?: { status: number; data?: unknown };
  code?: string;
  message: string;
}

function translate(err: unknown): never {
  const e = err as AxiosLikeError;
  const status = e.response?.status;
  // Unverifiable responses (bad or missing signature, clock offset) come back as 2xx with a plugin error code.
  if (status && status >= 400 && status < 600 && !(e.code ?? '').startsWith('EV3_')) {
    const data = (e.response?.data ?? {}) as { code?: unknown; message?: unknown };
    throw new WechatPayApiError(status, typeof data.code === 'string' ? data.code : `HTTP_${status}`, typeof data.message === 'string' ? data.message : e.message);
  }
  throw new WechatPayUnavailableError(`WeChat Pay did not answer usefully: ${e.code ?? ''} ${e.message}`.trim(), { cause: err });
}

export function createWechatPayGateway(keys: WechatPayKeys, options: { baseURL: string; timeoutMs: number }): WechatPayGateway {
  const certs = Object.fromEntries([...keys.verification.values()].map((v) => [v.id, v.key]));
  const wxpay = new Wechatpay({
    mchid: keys.mchid,
    serial: keys.merchantSerial,
    // The plugin accepts a KeyObject at run time (Rsa.from passes it through); its typings say PEM text.
    privateKey: keys.merchantPrivateKey as unknown as string,
    certs,
    baseURL: options.baseURL,
    timeout: options.timeoutMs,
  });
  const mchid = keys.mchid;

  return {
    async jsapiPrepay(input) {
      try {
        const { data } = await wxpay['v3/pay/transactions/jsapi']!.post({
          appid: input.appid,
          mchid,
          description: input.description,
          out_trade_no: input.outTradeNo,
          time_expire: rfc3339China(input.timeExpire),
          ...(input.attach ? { attach: input.attach } : {}),
          notify_url: input.notifyUrl,
          amount: { total: input.amountFen, currency: 'CNY' },
          payer: { openid: input.payerOpenid },
        });
        const prepayId = (data as { prepay_id?: unknown }).prepay_id;
        if (typeof prepayId !== 'string' || prepayId === '') throw new WechatPayUnavailableError('jsapi answered without prepay_id');
        return { prepayId };
      } catch (err) {
        if (err instanceof WechatPayUnavailableError) throw err;
        return translate(err);
      }
    },

    async queryOrder(outTradeNo) {
      try {
        const { data } = await wxpay['v3/pay/transactions/out-trade-no/{out_trade_no}']!.get({ params: { mchid }, out_trade_no: outTradeNo });
        return data as WechatPayTransaction;
      } catch (err) {
        const status = (err as AxiosLikeError).response?.status;
        if (status === 404) return null;
        return translate(err);
      }
    },

    async closeOrder(outTradeNo) {
      try {
        await wxpay['v3/pay/transactions/out-trade-no/{out_trade_no}/close']!.post({ mchid }, { out_trade_no: outTradeNo });
      } catch (err) {
        return translate(err);
      }
    },

    async createRefund(input) {
      try {
        const { data } = await wxpay['v3/refund/domestic/refunds']!.post({
          out_trade_no: input.outTradeNo,
          out_refund_no: input.outRefundNo,
          ...(input.reason ? { reason: input.reason.slice(0, 80) } : {}),
          notify_url: input.notifyUrl,
          amount: { refund: input.refundFen, total: input.totalFen, currency: 'CNY' },
        });
        return data as unknown as WechatPayRefund;
      } catch (err) {
        return translate(err);
      }
    },

    async queryRefund(outRefundNo) {
      try {
        const { data } = await wxpay['v3/refund/domestic/refunds/{out_refund_no}']!.get({ out_refund_no: outRefundNo });
        return data as WechatPayRefund;
      } catch (err) {
        if ((err as AxiosLikeError).response?.status === 404) return null;
        return translate(err);
      }
    },

    requestPaymentParams(appId, prepayId, nowMs) {
      return buildRequestPaymentParams(keys.merchantPrivateKey, appId, prepayId, nowMs);
    },
  };
}
