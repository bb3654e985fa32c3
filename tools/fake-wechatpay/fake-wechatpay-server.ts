/**
 * A local stand-in for api.mch.weixin.qq.com (APIv3) following the documented
 * contracts (../shared/DOMAIN.md §4), with real signatures and encryption and
 * keys generated at start:
 *
 *   POST /v3/pay/transactions/jsapi                          → {prepay_id}
 *   GET  /v3/pay/transactions/out-trade-no/{no}?mchid=       → the transaction | 404 ORDER_NOT_EXIST
 *   POST /v3/pay/transactions/out-trade-no/{no}/close        → 204 | 400 ORDER_PAID | 404
 *   POST /v3/refund/domestic/refunds                         → the refund (idempotent per out_refund_no)
 *   GET  /v3/refund/domestic/refunds/{out_refund_no}         → the refund | 404 RESOURCE_NOT_EXISTS
 *
 * Every /v3 request must carry a valid merchant Authorization
 * (WECHATPAY2-SHA256-RSA2048, verified with the merchant public key over
 * `METHOD\nURI\ntimestamp\nnonce\nbody\n`), else 401 SIGN_ERROR. Every answer
 * is signed (Wechatpay-Timestamp/-Nonce/-Serial/-Signature) with the key of the
 * verification mode:
 *
 * - 'public_key': a WeChat Pay public key, serial `PUB_KEY_ID_…`;
 * - 'certificate': a platform certificate, serial = its 40-hex-digit serial;
 *   a real self-signed X.509 certificate is generated (self-signed-cert.ts).
 *
 * `verificationConfig()` gives the matching WECHATPAY_PUBLIC_KEYS /
 * WECHATPAY_PLATFORM_CERTS values. The payer is simulated with `pay()`;
 * notifications (TRANSACTION.SUCCESS, REFUND.*) are built signed and
 * AES-256-GCM-encrypted with the APIv3 key and sent to the order's notify_url
 * (or another URL), with switches for duplicates, forged signatures, stale
 * timestamps, wrong amounts, tampered ciphertext and unknown serials.
 * Control endpoints under /__fake/ drive it from another process.
 */
import { createPublicKey, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Aes, Formatter, Rsa } from 'wechatpay-axios-plugin';
import { selfSignedCertificate } from './self-signed-cert';

export type VerificationMode = 'certificate' | 'public_key';

export interface FakeWechatPayOptions {
  port?: number;
  host?: string;
  mchid: string;
  appid: string;
  /** Verifies the merchant's Authorization signatures. */
  merchantPublicKey: KeyObject | string;
  apiV3Key: string;
  /** Which key signs answers and notifications (default public_key). */
  mode?: VerificationMode;
  /** Reuse a platform key pair (development: shared through Redis); generated otherwise. */
  platformPrivateKey?: KeyObject | string;
  publicKeyId?: string;
  /** Refunds succeed at once (default false: PROCESSING until completeRefund). */
  refundsSucceedImmediately?: boolean;
}

export interface FakeTransaction {
  appid: string;
  mchid: string;
  out_trade_no: string;
  description: string;
  notify_url: string;
  prepay_id: string;
  time_expire?: string;
  payer: { openid: string };
  amount: { total: number; currency: string };
  trade_state: 'NOTPAY' | 'SUCCESS' | 'CLOSED' | 'REFUND';
  transaction_id?: string;
  success_time?: string;
  /** What the payer actually paid (pay({ amountFen }) can make it differ). */
  paid_total?: number;
}

export interface FakeRefund {
  refund_id: string;
  out_refund_no: string;
  out_trade_no: string;
  transaction_id: string;
  notify_url?: string;
  reason?: string;
  status: 'PROCESSING' | 'SUCCESS' | 'CLOSED' | 'ABNORMAL';
  success_time?: string;
  create_time: string;
  amount: { total: number; refund: number; currency: string };
}

export interface FakePayCall {
  method: string;
  path: string;
  status: number;
  /** Merchant signature problem, when refused. */
  authError?: string;
}

export interface NotifyOptions {
  /** Where to send (default: the order's notify_url). */
  url?: string;
  /** The same notification (same id) sent this many times (default 1), one after another. */
  times?: number;
  /** Notification id (default a new uuid). */
  id?: string;
  /** Signed with a key WeChat Pay does not have (same serial): the signature does not verify. */
  forge?: boolean;
  /** Wechatpay-Timestamp this many seconds in the past (a replayed or stale notification). */
  staleSeconds?: number;
  /** Claim this amount instead of the order's. */
  amountFen?: number;
  /** Change one byte of the ciphertext, then sign the changed body (decryption must fail). */
  tamperCiphertext?: boolean;
  /** Send under this Wechatpay-Serial. */
  serial?: string;
  /** Sign with the other verification mode's key and serial. */
  mode?: VerificationMode;
  /** For an order the fake does not know (unknown order). */
  transaction?: Partial<FakeTransaction>;
}

export interface BuiltNotification {
  id: string;
  body: string;
  headers: Record<string, string>;
}

export interface NotifyResult {
  status: number;
  body: string;
}

export interface FakeWechatPay {
  url: string;
  port: number;
  mode: VerificationMode;
  /** The serial / public key id answers and notifications carry in this mode. */
  serial: string;
  close(): Promise<void>;
  /** Configuration that makes EduCard verify this fake: WECHATPAY_PUBLIC_KEYS or WECHATPAY_PLATFORM_CERTS (JSON), per mode. */
  verificationConfig(mode?: VerificationMode): Record<'WECHATPAY_PUBLIC_KEYS' | 'WECHATPAY_PLATFORM_CERTS', string>;
  orders(): FakeTransaction[];
  order(outTradeNo: string): FakeTransaction | undefined;
  refunds(): FakeRefund[];
  calls(): FakePayCall[];
  /** The payer pays (trade_state SUCCESS); amountFen makes the paid amount differ. */
  pay(outTradeNo: string, options?: { amountFen?: number }): FakeTransaction;
  /** A TRANSACTION.SUCCESS notification of the order (built, not sent). */
  buildNotification(outTradeNo: string, options?: NotifyOptions): BuiltNotification;
  /** Build and send; one result per delivery. */
  notify(outTradeNo: string, options?: NotifyOptions): Promise<NotifyResult[]>;
  /** Finish a refund (default SUCCESS) as WeChat Pay would. */
  completeRefund(outRefundNo: string, status?: FakeRefund['status']): FakeRefund;
  buildRefundNotification(outRefundNo: string, options?: Omit<NotifyOptions, 'transaction' | 'amountFen'>): BuiltNotification;
  notifyRefund(outRefundNo: string, options?: Omit<NotifyOptions, 'transaction' | 'amountFen'>): Promise<NotifyResult[]>;
  reset(): void;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const AUTH = /^WECHATPAY2-SHA256-RSA2048\s+(.+)$/;

function parseAuthorization(header: string | undefined): Record<string, string> | null {
  const m = header ? AUTH.exec(header) : null;
  if (!m) return null;
  const out: Record<string, string> = {};
  for (const part of m[1]!.matchAll(/(\w+)="([^"]*)"/g)) out[part[1]!] = part[2]!;
  return out;
}

function toKey(key: KeyObject | string, type: 'public' | 'private'): KeyObject {
  return typeof key === 'string' ? Rsa.from(key, type) as KeyObject : key;
}

function rsaPair(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

function rfc3339(date: Date): string {
  return `${new Date(date.getTime() + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;
}

export async function startFakeWechatPay(options: FakeWechatPayOptions): Promise<FakeWechatPay> {
  const merchantPublicKey = toKey(options.merchantPublicKey, 'public');
  const publicKeyPair = options.platformPrivateKey
    ? { privateKey: toKey(options.platformPrivateKey, 'private'), publicKey: createPublicKey(toKey(options.platformPrivateKey, 'private')) }
    : rsaPair();
  const certPair = rsaPair();
  const certSerial = `5${randomBytes(20).toString('hex').toUpperCase().slice(1)}`;
  const certificatePem = selfSignedCertificate({ serialHex: certSerial, publicKey: certPair.publicKey, privateKey: certPair.privateKey });
  const publicKeyId = options.publicKeyId ?? `PUB_KEY_ID_0${randomBytes(14).toString('hex').slice(0, 27).replace(/[a-f]/g, (c) => String(c.charCodeAt(0) % 10))}`;
  const signers: Record<VerificationMode, { serial: string; key: KeyObject }> = {
    public_key: { serial: publicKeyId, key: publicKeyPair.privateKey },
    certificate: { serial: certSerial, key: certPair.privateKey },
  };
  const mode = options.mode ?? 'public_key';
  const apiV3Key = Buffer.from(options.apiV3Key, 'utf8');
  const forgeKey = rsaPair().privateKey;

  let transactions = new Map<string, FakeTransaction>();
  let refundMap = new Map<string, FakeRefund>();
  let callLog: FakePayCall[] = [];

  function signedHeaders(body: string, signer = signers[mode], opts: { timestamp?: number; key?: KeyObject; serial?: string } = {}): Record<string, string> {
    const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
    const nonce = Formatter.nonce();
    return {
      'Wechatpay-Timestamp': timestamp,
      'Wechatpay-Nonce': nonce,
      'Wechatpay-Serial': opts.serial ?? signer.serial,
      'Wechatpay-Signature': Rsa.sign(Formatter.response(timestamp, nonce, body), opts.key ?? signer.key),
      'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048',
    };
  }

  function checkMerchant(method: string, uri: string, body: string, header: string | undefined): void {
    const auth = parseAuthorization(header);
    if (!auth || !auth.signature || !auth.timestamp || !auth.nonce_str || !auth.serial_no) throw new ApiError(401, 'SIGN_ERROR', 'Authorization 缺失或格式错误');
    if (auth.mchid !== options.mchid) throw new ApiError(401, 'SIGN_ERROR', `商户号 ${auth.mchid} 不匹配`);
    if (Math.abs(Math.floor(Date.now() / 1000) - Number(auth.timestamp)) > 300) throw new ApiError(401, 'SIGN_ERROR', '请求时间戳已过期');
    const message = Formatter.request(method, uri, auth.timestamp, auth.nonce_str, body);
    if (!Rsa.verify(message, auth.signature, merchantPublicKey)) throw new ApiError(401, 'SIGN_ERROR', '签名错误');
  }

  function jsapi(body: Record<string, unknown>): Record<string, unknown> {
    const amount = body.amount as { total?: unknown; currency?: unknown } | undefined;
    const payer = body.payer as { openid?: unknown } | undefined;
    const outTradeNo = body.out_trade_no;
    if (body.mchid !== options.mchid) throw new ApiError(400, 'PARAM_ERROR', 'mchid 与请求商户号不一致');
    if (body.appid !== options.appid) throw new ApiError(400, 'APPID_MCHID_NOT_MATCH', 'appid 和 mch_id 不匹配');
    if (typeof outTradeNo !== 'string' || !/^[0-9A-Za-z_\-|*]{6,32}$/.test(outTradeNo)) throw new ApiError(400, 'PARAM_ERROR', 'out_trade_no 格式错误');
    if (typeof body.description !== 'string' || body.description.length === 0 || body.description.length > 127) throw new ApiError(400, 'PARAM_ERROR', 'description 错误');
    if (typeof body.notify_url !== 'string' || body.notify_url.includes('?')) throw new ApiError(400, 'PARAM_ERROR', 'notify_url 错误');
    if (!amount || !Number.isInteger(amount.total) || (amount.total as number) <= 0) throw new ApiError(400, 'PARAM_ERROR', 'amount.total 错误');
    if (!payer || typeof payer.openid !== 'string' || payer.openid === '') throw new ApiError(400, 'PARAM_ERROR', 'payer.openid 缺失');
    const existing = transactions.get(outTradeNo);
    if (existing) {
      if (existing.amount.total !== amount.total) throw new ApiError(400, 'INVALID_REQUEST', '201 商户订单号重复');
      if (existing.trade_state === 'SUCCESS') throw new ApiError(400, 'ORDER_PAID', '该订单已支付');
      return { prepay_id: existing.prepay_id };
    }
    const tx: FakeTransaction = {
      appid: options.appid,
      mchid: options.mchid,
      out_trade_no: outTradeNo,
      description: body.description,
      notify_url: body.notify_url,
      prepay_id: `wx${randomBytes(14).toString('hex')}`,
      ...(typeof body.time_expire === 'string' ? { time_expire: body.time_expire } : {}),
      payer: { openid: payer.openid },
      amount: { total: amount.total as number, currency: typeof amount.currency === 'string' ? amount.currency : 'CNY' },
      trade_state: 'NOTPAY',
    };
    transactions.set(outTradeNo, tx);
    return { prepay_id: tx.prepay_id };
  }

  function present(tx: FakeTransaction): Record<string, unknown> {
    return {
      appid: tx.appid,
      mchid: tx.mchid,
      out_trade_no: tx.out_trade_no,
      trade_type: 'JSAPI',
      trade_state: tx.trade_state,
      trade_state_desc: { NOTPAY: '未支付', SUCCESS: '支付成功', CLOSED: '已关闭', REFUND: '转入退款' }[tx.trade_state],
      ...(tx.transaction_id ? { transaction_id: tx.transaction_id, bank_type: 'OTHERS', success_time: tx.success_time } : {}),
      payer: { openid: tx.payer.openid },
      amount: {
        total: tx.paid_total ?? tx.amount.total,
        currency: tx.amount.currency,
        ...(tx.transaction_id ? { payer_total: tx.paid_total ?? tx.amount.total, payer_currency: 'CNY' } : {}),
      },
    };
  }

  function refund(body: Record<string, unknown>): Record<string, unknown> {
    const outRefundNo = body.out_refund_no;
    const outTradeNo = body.out_trade_no;
    const amount = body.amount as { refund?: unknown; total?: unknown } | undefined;
    if (typeof outRefundNo !== 'string' || !/^[0-9A-Za-z_\-|*@]{1,64}$/.test(outRefundNo)) throw new ApiError(400, 'PARAM_ERROR', 'out_refund_no 错误');
    const existing = refundMap.get(outRefundNo);
    if (existing) return presentRefund(existing);
    const tx = typeof outTradeNo === 'string' ? transactions.get(outTradeNo) : undefined;
    if (!tx) throw new ApiError(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
    if (tx.trade_state !== 'SUCCESS' && tx.trade_state !== 'REFUND') throw new ApiError(400, 'INVALID_REQUEST', '订单未支付');
    const paid = tx.paid_total ?? tx.amount.total;
    if (!amount || amount.total !== paid || !Number.isInteger(amount.refund) || (amount.refund as number) <= 0 || (amount.refund as number) > paid) {
      throw new ApiError(400, 'PARAM_ERROR', '退款金额错误');
    }
    const r: FakeRefund = {
      refund_id: `50${randomBytes(14).toString('hex').replace(/[a-f]/g, '7').slice(0, 27)}`,
      out_refund_no: outRefundNo,
      out_trade_no: tx.out_trade_no,
      transaction_id: tx.transaction_id!,
      ...(typeof body.notify_url === 'string' ? { notify_url: body.notify_url } : {}),
      ...(typeof body.reason === 'string' ? { reason: body.reason } : {}),
      status: options.refundsSucceedImmediately ? 'SUCCESS' : 'PROCESSING',
      create_time: rfc3339(new Date()),
      ...(options.refundsSucceedImmediately ? { success_time: rfc3339(new Date()) } : {}),
      amount: { total: paid, refund: amount.refund as number, currency: 'CNY' },
    };
    refundMap.set(outRefundNo, r);
    tx.trade_state = 'REFUND';
    return presentRefund(r);
  }

  function presentRefund(r: FakeRefund): Record<string, unknown> {
    return {
      refund_id: r.refund_id,
      out_refund_no: r.out_refund_no,
      transaction_id: r.transaction_id,
      out_trade_no: r.out_trade_no,
      channel: 'ORIGINAL',
      user_received_account: '支付用户零钱',
      status: r.status,
      create_time: r.create_time,
      ...(r.success_time ? { success_time: r.success_time } : {}),
      amount: { total: r.amount.total, refund: r.amount.refund, payer_total: r.amount.total, payer_refund: r.amount.refund, currency: 'CNY' },
    };
  }

  function route(method: string, url: URL, body: Record<string, unknown>): { status: number; body?: unknown } {
    const path = url.pathname;
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/v3/pay/transactions/jsapi') return { status: 200, body: jsapi(body) };
    if (method === 'GET' && (m = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)$/.exec(path))) {
      if (url.searchParams.get('mchid') !== options.mchid) throw new ApiError(400, 'PARAM_ERROR', 'mchid 错误');
      const tx = transactions.get(decodeURIComponent(m[1]!));
      if (!tx) throw new ApiError(404, 'ORDER_NOT_EXIST', '订单不存在');
      return { status: 200, body: present(tx) };
    }
    if (method === 'POST' && (m = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)\/close$/.exec(path))) {
      if (body.mchid !== options.mchid) throw new ApiError(400, 'PARAM_ERROR', 'mchid 错误');
      const tx = transactions.get(decodeURIComponent(m[1]!));
      if (!tx) throw new ApiError(404, 'ORDER_NOT_EXIST', '订单不存在');
      if (tx.trade_state === 'SUCCESS' || tx.trade_state === 'REFUND') throw new ApiError(400, 'ORDER_PAID', '订单已支付');
      tx.trade_state = 'CLOSED';
      return { status: 204 };
    }
    if (method === 'POST' && path === '/v3/refund/domestic/refunds') return { status: 200, body: refund(body) };
    if (method === 'GET' && (m = /^\/v3\/refund\/domestic\/refunds\/([^/]+)$/.exec(path))) {
      const r = refundMap.get(decodeURIComponent(m[1]!));
      if (!r) throw new ApiError(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
      return { status: 200, body: presentRefund(r) };
    }
    throw new ApiError(404, 'NOT_FOUND', `fake-wechatpay: no ${method} ${path}`);
  }

  // ---- notifications ----------------------------------------------------------------------------

  function envelope(id: string, eventType: string, summary: string, originalType: string, resource: unknown, opts: NotifyOptions): string {
    const nonce = Formatter.nonce(12);
    const aad = originalType;
    let ciphertext = Aes.AesGcm.encrypt(JSON.stringify(resource), apiV3Key, nonce, aad);
    if (opts.tamperCiphertext) {
      const bytes = Buffer.from(ciphertext, 'base64');
      bytes[3] = bytes[3]! ^ 0x01;
      ciphertext = bytes.toString('base64');
    }
    return JSON.stringify({
      id,
      create_time: rfc3339(new Date()),
      resource_type: 'encrypt-resource',
      event_type: eventType,
      summary,
      resource: { original_type: originalType, algorithm: 'AEAD_AES_256_GCM', ciphertext, associated_data: aad, nonce },
    });
  }

  function sign(body: string, opts: NotifyOptions): Record<string, string> {
    const signer = signers[opts.mode ?? mode];
    return {
      'Content-Type': 'application/json',
      ...signedHeaders(body, signer, {
        ...(opts.staleSeconds ? { timestamp: Math.floor(Date.now() / 1000) - opts.staleSeconds } : {}),
        ...(opts.forge ? { key: forgeKey } : {}),
        ...(opts.serial ? { serial: opts.serial } : {}),
      }),
    };
  }

  function buildNotification(outTradeNo: string, opts: NotifyOptions = {}): BuiltNotification {
    const known = transactions.get(outTradeNo);
    const base: FakeTransaction | undefined = known ?? (opts.transaction ? ({ ...opts.transaction, out_trade_no: outTradeNo } as FakeTransaction) : undefined);
    if (!base) throw new Error(`fake-wechatpay: no order ${outTradeNo} (pass options.transaction for an unknown one)`);
    const total = opts.amountFen ?? base.paid_total ?? base.amount?.total ?? 1;
    const resource = {
      mchid: base.mchid ?? options.mchid,
      appid: base.appid ?? options.appid,
      out_trade_no: outTradeNo,
      transaction_id: base.transaction_id ?? `4200${randomBytes(12).toString('hex').replace(/[a-f]/g, '3').slice(0, 24)}`,
      trade_type: 'JSAPI',
      trade_state: 'SUCCESS',
      trade_state_desc: '支付成功',
      bank_type: 'OTHERS',
      attach: '',
      success_time: base.success_time ?? rfc3339(new Date()),
      payer: { openid: base.payer?.openid ?? 'o-unknown' },
      amount: { total, payer_total: total, currency: 'CNY', payer_currency: 'CNY' },
    };
    const id = opts.id ?? randomUUID();
    const body = envelope(id, 'TRANSACTION.SUCCESS', '支付成功', 'transaction', resource, opts);
    return { id, body, headers: sign(body, opts) };
  }

  function buildRefundNotification(outRefundNo: string, opts: NotifyOptions = {}): BuiltNotification {
    const r = refundMap.get(outRefundNo);
    if (!r) throw new Error(`fake-wechatpay: no refund ${outRefundNo}`);
    const eventType = { SUCCESS: 'REFUND.SUCCESS', ABNORMAL: 'REFUND.ABNORMAL', CLOSED: 'REFUND.CLOSED', PROCESSING: 'REFUND.PROCESSING' }[r.status];
    const resource = {
      mchid: options.mchid,
      out_trade_no: r.out_trade_no,
      transaction_id: r.transaction_id,
      out_refund_no: r.out_refund_no,
      refund_id: r.refund_id,
      refund_status: r.status,
      ...(r.success_time ? { success_time: r.success_time } : {}),
      user_received_account: '支付用户零钱',
      amount: { total: r.amount.total, refund: r.amount.refund, payer_total: r.amount.total, payer_refund: r.amount.refund },
    };
    const id = opts.id ?? randomUUID();
    const body = envelope(id, eventType, '退款状态变更', 'refund', resource, opts);
    return { id, body, headers: sign(body, opts) };
  }

  async function deliver(url: string | undefined, build: () => BuiltNotification, times: number): Promise<NotifyResult[]> {
    if (!url) throw new Error('fake-wechatpay: no notify_url');
    const results: NotifyResult[] = [];
    const first = build();
    for (let i = 0; i < times; i += 1) {
      // Each delivery is signed afresh (as WeChat Pay does on retries) with the same notification id and body.
      const headers = i === 0 ? first.headers : { ...first.headers, ...signedHeadersLike(first) };
      const res = await fetch(url, { method: 'POST', headers, body: first.body, signal: AbortSignal.timeout(5_000) });
      results.push({ status: res.status, body: await res.text() });
    }
    return results;
  }

  function signedHeadersLike(built: BuiltNotification): Record<string, string> {
    const serial = built.headers['Wechatpay-Serial']!;
    const signer = Object.values(signers).find((s) => s.serial === serial);
    // A forged or unknown-serial notification keeps its original (bad) headers.
    if (!signer || !Rsa.verify(Formatter.response(built.headers['Wechatpay-Timestamp']!, built.headers['Wechatpay-Nonce']!, built.body), built.headers['Wechatpay-Signature']!, createPublicKey(signer.key))) return {};
    return signedHeaders(built.body, signer);
  }

  // ---- HTTP -------------------------------------------------------------------------------------

  function send(res: http.ServerResponse, status: number, payload: unknown, signed: boolean): void {
    const body = payload === undefined ? '' : JSON.stringify(payload);
    const headers: Record<string, string> = { 'Request-ID': randomUUID() };
    if (body) headers['Content-Type'] = 'application/json; charset=utf-8';
    if (signed) Object.assign(headers, signedHeaders(body));
    res.writeHead(status, headers);
    res.end(body);
  }

  function control(method: string, url: URL, body: Record<string, unknown>): Promise<unknown> | unknown {
    const outTradeNo = typeof body.outTradeNo === 'string' ? body.outTradeNo : '';
    switch (`${method} ${url.pathname}`) {
      case 'GET /__fake/health':
        return { ok: true, service: 'fake-wechatpay', mode, serial: signers[mode].serial };
      case 'GET /__fake/orders':
        return { orders: [...transactions.values()] };
      case 'GET /__fake/refunds':
        return { refunds: [...refundMap.values()] };
      case 'GET /__fake/calls':
        return { calls: callLog };
      case 'POST /__fake/pay':
        return { order: fake.pay(outTradeNo, typeof body.amountFen === 'number' ? { amountFen: body.amountFen } : {}) };
      case 'POST /__fake/notify':
        return fake.notify(outTradeNo, body as NotifyOptions).then((results) => ({ results }));
      case 'POST /__fake/pay-and-notify':
        fake.pay(outTradeNo);
        return fake.notify(outTradeNo).then((results) => ({ results }));
      case 'POST /__fake/complete-refund':
        return { refund: fake.completeRefund(String(body.outRefundNo), (body.status as FakeRefund['status']) ?? 'SUCCESS') };
      case 'POST /__fake/notify-refund':
        return fake.notifyRefund(String(body.outRefundNo), body as NotifyOptions).then((results) => ({ results }));
      case 'POST /__fake/reset':
        fake.reset();
        return { ok: true };
      default:
        throw new ApiError(404, 'NOT_FOUND', `fake-wechatpay: no control ${method} ${url.pathname}`);
    }
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const url = new URL(req.url ?? '/', 'http://fake');
        const method = req.method ?? 'GET';
        let body: Record<string, unknown> = {};
        try {
          body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
        } catch {
          return send(res, 400, { code: 'PARAM_ERROR', message: '请求体不是 JSON' }, false);
        }
        if (url.pathname.startsWith('/__fake/')) {
          try {
            return send(res, 200, await control(method, url, body), false);
          } catch (err) {
            return send(res, err instanceof ApiError ? err.status : 500, { code: err instanceof ApiError ? err.code : 'SYSTEM_ERROR', message: (err as Error).message }, false);
          }
        }
        const call: FakePayCall = { method, path: url.pathname, status: 0 };
        callLog.push(call);
        try {
          checkMerchant(method, `${url.pathname}${url.search}`, raw, req.headers.authorization);
          const result = route(method, url, body);
          call.status = result.status;
          send(res, result.status, result.body, true);
        } catch (err) {
          const e = err instanceof ApiError ? err : new ApiError(500, 'SYSTEM_ERROR', (err as Error).message);
          call.status = e.status;
          if (e.code === 'SIGN_ERROR') call.authError = e.message;
          send(res, e.status, { code: e.code, message: e.message }, false);
        }
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const fake: FakeWechatPay = {
    url: `http://127.0.0.1:${port}/`,
    port,
    mode,
    serial: signers[mode].serial,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    verificationConfig(which = mode) {
      return which === 'certificate'
        ? { WECHATPAY_PLATFORM_CERTS: JSON.stringify({ [certSerial]: certificatePem }), WECHATPAY_PUBLIC_KEYS: '' }
        : {
            WECHATPAY_PUBLIC_KEYS: JSON.stringify({ [publicKeyId]: String(publicKeyPair.publicKey.export({ type: 'spki', format: 'pem' })) }),
            WECHATPAY_PLATFORM_CERTS: '',
          };
    },
    orders: () => [...transactions.values()],
    order: (no) => transactions.get(no),
    refunds: () => [...refundMap.values()],
    calls: () => [...callLog],
    pay(outTradeNo, opts = {}) {
      const tx = transactions.get(outTradeNo);
      if (!tx) throw new Error(`fake-wechatpay: no order ${outTradeNo}`);
      if (tx.trade_state === 'CLOSED') throw new Error(`fake-wechatpay: order ${outTradeNo} is closed`);
      tx.trade_state = 'SUCCESS';
      tx.transaction_id ??= `4200${randomBytes(12).toString('hex').replace(/[a-f]/g, '1').slice(0, 24)}`;
      tx.success_time ??= rfc3339(new Date());
      if (opts.amountFen !== undefined) tx.paid_total = opts.amountFen;
      return tx;
    },
    buildNotification,
    notify: (outTradeNo, opts = {}) =>
      deliver(opts.url ?? transactions.get(outTradeNo)?.notify_url ?? opts.transaction?.notify_url, () => buildNotification(outTradeNo, opts), opts.times ?? 1),
    completeRefund(outRefundNo, status = 'SUCCESS') {
      const r = refundMap.get(outRefundNo);
      if (!r) throw new Error(`fake-wechatpay: no refund ${outRefundNo}`);
      r.status = status;
      if (status === 'SUCCESS') r.success_time = rfc3339(new Date());
      return r;
    },
    buildRefundNotification,
    notifyRefund: (outRefundNo, opts = {}) =>
      deliver(opts.url ?? refundMap.get(outRefundNo)?.notify_url, () => buildRefundNotification(outRefundNo, opts), opts.times ?? 1),
    reset() {
      transactions = new Map();
      refundMap = new Map();
      callLog = [];
    },
  };
  return fake;
}
