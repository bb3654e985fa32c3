/**
 * A local stand-in for sms.tencentcloudapi.com: the SendSms action (2021-01-11)
 * of the TC3-HMAC-SHA256 signed API, with the signature really verified:
 *
 *   canonical request  = POST \n / \n <query> \n <signed headers "name:value\n", lower-cased> \n
 *                        <signed header names> \n hex(sha256(body))
 *   string to sign     = TC3-HMAC-SHA256 \n <X-TC-Timestamp> \n <date>/sms/tc3_request \n hex(sha256(canonical request))
 *   signing key        = HMAC(HMAC(HMAC("TC3" + SecretKey, date), "sms"), "tc3_request")
 *
 * Errors use the documented shape `{ Response: { Error: { Code, Message }, RequestId } }`
 * (HTTP 200). The `host` header is compared without its port, as the official
 * SDK signs the hostname alone. Reach it at http://sms.localhost:<port> so the
 * SDK derives the service name `sms` from the endpoint.
 *
 * Control endpoints: GET /__fake/messages, POST /__fake/inject (per-phone status code),
 * POST /__fake/reset, GET /__fake/health.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeTencentSmsOptions {
  port?: number;
  host?: string;
  /** SecretId → SecretKey of the accounts the fake accepts. */
  credentials: Record<string, string>;
  /** SmsSdkAppIds that exist (default: any). */
  sdkAppIds?: string[];
  /** Allowed clock skew of X-TC-Timestamp in seconds (default 300, like Tencent). */
  maxSkewS?: number;
  now?: () => number;
}

export interface FakeSms {
  at: string;
  requestId: string;
  serialNo: string;
  /** As sent, e.g. +8613812345678. */
  phoneNumber: string;
  /** Without +86. */
  phone: string;
  sdkAppId: string;
  signName: string;
  templateId: string;
  params: string[];
}

export interface SmsInjectRule {
  /** Only for this phone (11 digits, without +86); any phone when absent. */
  phone?: string;
  /** SendStatus Code for the phone, e.g. LimitExceeded.PhoneNumberDailyLimit. */
  code?: string;
  /** Fail the whole request with this Response.Error.Code instead. */
  errorCode?: string;
  httpStatus?: number;
  delayMs?: number;
  /** Default 1; 'always' until reset. */
  times?: number | 'always';
}

export interface FakeTencentSms {
  url: string;
  /** The endpoint to configure (TENCENT_SMS_ENDPOINT): http://sms.localhost:<port>. */
  endpoint: string;
  port: number;
  close(): Promise<void>;
  messages(filter?: { phone?: string }): FakeSms[];
  /** Requests received, including refused ones, with their error code. */
  requests(): { at: string; action: string; errorCode?: string }[];
  inject(rule: SmsInjectRule): void;
  reset(): void;
}

const MESSAGES: Record<string, string> = {
  'LimitExceeded.PhoneNumberDailyLimit': '单个手机号日下发短信条数超过设定的上限',
  'LimitExceeded.PhoneNumberThirtySecondLimit': '单个手机号30秒内下发短信条数超过设定的上限',
  'LimitExceeded.PhoneNumberOneHourLimit': '单个手机号1小时内下发短信条数超过设定的上限',
  'InvalidParameterValue.IncorrectPhoneNumber': '手机号格式错误',
  'FailedOperation.PhoneNumberInBlacklist': '手机号在免打扰名单库中',
  'FailedOperation.InsufficientBalanceInSmsPackage': '套餐包余量不足',
};

class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startFakeTencentSms(options: FakeTencentSmsOptions): Promise<FakeTencentSms> {
  const now = options.now ?? Date.now;
  const maxSkewS = options.maxSkewS ?? 300;
  let messages: FakeSms[] = [];
  let requests: { at: string; action: string; errorCode?: string }[] = [];
  let rules: (SmsInjectRule & { left: number })[] = [];

  function takeRule(predicate: (r: SmsInjectRule) => boolean): SmsInjectRule | undefined {
    const rule = rules.find((r) => r.left > 0 && predicate(r));
    if (rule) rule.left -= 1;
    return rule;
  }

  /** Throws ApiError unless the Authorization header is a valid TC3 signature of this request. */
  function verifySignature(req: http.IncomingMessage, url: URL, body: string): void {
    const auth = header(req, 'authorization');
    const m = /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([^/]+)\/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
      auth ?? '',
    );
    if (!m) throw new ApiError('AuthFailure.SignatureFailure', 'The provided credentials could not be validated. Please check your signature is correct.');
    const [, secretId, date, service, signedHeaders, signature] = m as unknown as [string, string, string, string, string, string];
    const secretKey = options.credentials[secretId];
    if (secretKey === undefined) throw new ApiError('AuthFailure.SecretIdNotFound', 'The SecretId is not found, please ensure that your SecretId is correct.');
    const timestamp = Number(header(req, 'x-tc-timestamp'));
    if (!Number.isInteger(timestamp)) throw new ApiError('MissingParameter', 'The request is missing a required parameter `X-TC-Timestamp`.');
    if (Math.abs(now() / 1000 - timestamp) > maxSkewS) {
      throw new ApiError('AuthFailure.SignatureExpire', 'Signature expired. Timestamp and server time cannot differ by more than 5 minutes.');
    }
    if (date !== new Date(timestamp * 1000).toISOString().slice(0, 10)) {
      throw new ApiError('AuthFailure.SignatureFailure', 'The date in the credential scope does not match X-TC-Timestamp.');
    }
    if (service !== 'sms') throw new ApiError('AuthFailure.SignatureFailure', `The credential scope names service "${service}", not "sms".`);
    const names = signedHeaders.split(';');
    if (!names.includes('host') || !names.includes('content-type')) {
      throw new ApiError('AuthFailure.SignatureFailure', 'SignedHeaders must include content-type and host.');
    }
    const canonicalHeaders = names
      .map((name) => {
        let value = (header(req, name) ?? '').trim().toLowerCase();
        if (name === 'host') value = value.replace(/:\d+$/, '');
        return `${name}:${value}\n`;
      })
      .join('');
    const canonicalRequest = [req.method, url.pathname, url.search.slice(1), canonicalHeaders, signedHeaders, sha256(body)].join('\n');
    const stringToSign = ['TC3-HMAC-SHA256', String(timestamp), `${date}/${service}/tc3_request`, sha256(canonicalRequest)].join('\n');
    const kDate = hmac(`TC3${secretKey}`, date);
    const kService = hmac(kDate, service);
    const kSigning = hmac(kService, 'tc3_request');
    const expected = hmac(kSigning, stringToSign).toString('hex');
    if (!timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
      throw new ApiError('AuthFailure.SignatureFailure', 'The provided credentials could not be validated. Please check your signature is correct.');
    }
  }

  function sendSms(body: Record<string, unknown>, requestId: string): Record<string, unknown> {
    const phones = body.PhoneNumberSet;
    if (!Array.isArray(phones) || phones.length === 0 || phones.some((p) => typeof p !== 'string')) {
      throw new ApiError('MissingParameter', 'The request is missing a required parameter `PhoneNumberSet`.');
    }
    if (phones.length > 200) throw new ApiError('LimitExceeded.PhoneNumberCountLimit', '调用接口单次提交的手机号个数超过200个');
    const sdkAppId = String(body.SmsSdkAppId ?? '');
    if (!sdkAppId) throw new ApiError('MissingParameter', 'The request is missing a required parameter `SmsSdkAppId`.');
    if (options.sdkAppIds && !options.sdkAppIds.includes(sdkAppId)) {
      throw new ApiError('InvalidParameterValue.SdkAppIdNotExist', 'SdkAppId不存在');
    }
    const templateId = String(body.TemplateId ?? '');
    if (!templateId) throw new ApiError('MissingParameter', 'The request is missing a required parameter `TemplateId`.');
    const signName = typeof body.SignName === 'string' ? body.SignName : '';
    if (!signName) throw new ApiError('FailedOperation.MissingSignature', '缺少签名');
    const params = Array.isArray(body.TemplateParamSet) ? body.TemplateParamSet.map(String) : [];

    const statuses = (phones as string[]).map((phoneNumber) => {
      const phone = phoneNumber.replace(/^(\+86|0086|86)(?=1\d{10}$)/, '');
      const serialNo = `${Math.floor(now() / 1000)}:${randomUUID().replace(/-/g, '').slice(0, 20)}`;
      const rule = takeRule((r) => r.code !== undefined && (r.phone === undefined || r.phone === phone));
      let code = rule?.code ?? 'Ok';
      if (code === 'Ok' && !/^1[3-9]\d{9}$/.test(phone)) code = 'InvalidParameterValue.IncorrectPhoneNumber';
      if (code === 'Ok') {
        messages.push({ at: new Date(now()).toISOString(), requestId, serialNo, phoneNumber, phone, sdkAppId, signName, templateId, params });
      }
      return {
        SerialNo: code === 'Ok' ? serialNo : '',
        PhoneNumber: phoneNumber,
        Fee: code === 'Ok' ? 1 : 0,
        SessionContext: typeof body.SessionContext === 'string' ? body.SessionContext : '',
        Code: code,
        Message: code === 'Ok' ? 'send success' : (MESSAGES[code] ?? code),
        IsoCode: 'CN',
      };
    });
    return { SendStatusSet: statuses, RequestId: requestId };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake-tencent-sms');
    const body = await readBody(req);
    if (url.pathname.startsWith('/__fake/')) return control(req.method ?? 'GET', url, body, res);

    const requestId = randomUUID();
    const action = header(req, 'x-tc-action') ?? '';
    const record: { at: string; action: string; errorCode?: string } = { at: new Date(now()).toISOString(), action };
    requests.push(record);
    const fail = (code: string, message: string) => {
      record.errorCode = code;
      sendJson(res, 200, { Response: { Error: { Code: code, Message: message }, RequestId: requestId } });
    };
    try {
      if (req.method !== 'POST') throw new ApiError('UnsupportedOperation', 'Only POST is supported by this fake.');
      verifySignature(req, url, body);
      if (action !== 'SendSms') throw new ApiError('InvalidAction', `The action \`${action}\` is not supported.`);
      if (header(req, 'x-tc-version') !== '2021-01-11') throw new ApiError('NoSuchVersion', 'The API version does not exist.');
      const rule = takeRule((r) => r.code === undefined);
      if (rule?.delayMs) await new Promise((resolve) => setTimeout(resolve, rule.delayMs));
      if (res.destroyed) return;
      if (rule?.httpStatus !== undefined) {
        record.errorCode = `HttpStatus.${rule.httpStatus}`;
        res.writeHead(rule.httpStatus, { 'content-type': 'text/plain' }).end('error');
        return;
      }
      if (rule?.errorCode) throw new ApiError(rule.errorCode, MESSAGES[rule.errorCode] ?? `injected ${rule.errorCode}`);
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(body) as Record<string, unknown>;
      } catch {
        throw new ApiError('FailedOperation.JsonParseFail', '解析请求包体时候失败');
      }
      sendJson(res, 200, { Response: sendSms(parsed, requestId) }, { 'x-tc-traceid': header(req, 'x-tc-traceid') ?? '' });
    } catch (err) {
      if (err instanceof ApiError) return fail(err.code, err.message);
      return fail('InternalError', String(err));
    }
  }

  function control(method: string, url: URL, body: string, res: http.ServerResponse): void {
    try {
      const input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
      switch (`${method} ${url.pathname}`) {
        case 'GET /__fake/health':
          return sendJson(res, 200, { ok: true, service: 'fake-tencent-sms' });
        case 'GET /__fake/messages':
          return sendJson(res, 200, { messages: fake.messages({ phone: url.searchParams.get('phone') ?? undefined }) });
        case 'POST /__fake/inject':
          fake.inject(input as SmsInjectRule);
          return sendJson(res, 200, { ok: true });
        case 'POST /__fake/reset':
          fake.reset();
          return sendJson(res, 200, { ok: true });
        default:
          return sendJson(res, 404, { error: `no ${method} ${url.pathname}` });
      }
    } catch (err) {
      return sendJson(res, 400, { error: (err as Error).message });
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: String(err) });
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  const fake: FakeTencentSms = {
    url: `http://${host}:${port}`,
    endpoint: `http://sms.localhost:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
    messages: (filter = {}) => messages.filter((m) => !filter.phone || m.phone === filter.phone).map((m) => ({ ...m })),
    requests: () => requests.map((r) => ({ ...r })),
    inject(rule) {
      if (!rule || (rule.code === undefined && rule.errorCode === undefined && rule.httpStatus === undefined && rule.delayMs === undefined)) {
        throw new Error('inject: give code, errorCode, httpStatus or delayMs');
      }
      rules.push({ ...rule, left: rule.times === 'always' ? Number.POSITIVE_INFINITY : (rule.times ?? 1) });
    },
    reset() {
      messages = [];
      requests = [];
      rules = [];
    },
  };
  return fake;
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(',') : value;
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function hmac(key: string | Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text, 'utf8').digest();
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}
