/**
 * The Tencent SMS sender (server/integrations/sms, through the official SDK)
 * against the fake Tencent Cloud API, which verifies the TC3 signature.
 */
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import { createLogger, type Logger } from '../../server/logging/logger';
import { SmsSendError, type SmsMessage } from '../../server/integrations/sms/sms-sender';
import { TencentSmsSender, parseSmsEndpoint } from '../../server/integrations/sms/tencent-sms-sender';
import { startFakeTencentSms, type FakeTencentSms } from './fake-tencent-sms-server';

const SECRET_ID = 'AKIDtest0000000000000000000000000000';
const SECRET_KEY = 'test-secret-key-0000000000000000';
const MESSAGE: SmsMessage = { template: 'verification_code', phone: '13812345678', params: { code: '482913', minutes: 5 } };

let fake: FakeTencentSms;
let logLines: string[];
let logger: Logger;

function sender(overrides: { secretKey?: string; secretId?: string; timeoutS?: number } = {}): TencentSmsSender {
  return new TencentSmsSender({
    endpoint: fake.endpoint,
    region: 'ap-guangzhou',
    secretId: overrides.secretId ?? SECRET_ID,
    secretKey: overrides.secretKey ?? SECRET_KEY,
    sdkAppId: '1400000000',
    signName: '教育卡',
    templateIds: { verification_code: '1000001' },
    logger,
    timeoutS: overrides.timeoutS,
  });
}

async function sendError(promise: Promise<unknown>): Promise<SmsSendError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SmsSendError);
  return err as SmsSendError;
}

beforeAll(async () => {
  fake = await startFakeTencentSms({ credentials: { [SECRET_ID]: SECRET_KEY }, sdkAppIds: ['1400000000'] });
});
beforeEach(() => {
  fake.reset();
  logLines = [];
  logger = createLogger({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
});
afterAll(() => fake.close());

describe('TencentSmsSender against the fake Tencent Cloud API', () => {
  it('sends SendSms with a valid TC3 signature: +86 phone, [code, minutes], sign name and template', async () => {
    await sender().send(MESSAGE);
    expect(fake.messages()).toEqual([
      expect.objectContaining({
        phoneNumber: '+8613812345678',
        phone: '13812345678',
        sdkAppId: '1400000000',
        signName: '教育卡',
        templateId: '1000001',
        params: ['482913', '5'],
      }),
    ]);
    const logged = logLines.join('\n');
    expect(logged).toContain('138****5678');
    expect(logged).not.toContain('13812345678');
    expect(logged).not.toContain('482913');
  });

  it('maps a wrong secret key to AuthFailure.SignatureFailure, not retryable', async () => {
    const err = await sendError(sender({ secretKey: 'not-the-key' }).send(MESSAGE));
    expect(err).toMatchObject({ providerCode: 'AuthFailure.SignatureFailure', retryable: false });
    expect(fake.messages()).toEqual([]);
  });

  it('maps an unknown SecretId to AuthFailure.SecretIdNotFound, not retryable', async () => {
    const err = await sendError(sender({ secretId: 'AKIDnobody' }).send(MESSAGE));
    expect(err).toMatchObject({ providerCode: 'AuthFailure.SecretIdNotFound', retryable: false });
  });

  it.each([
    ['LimitExceeded.PhoneNumberDailyLimit', false],
    ['LimitExceeded.PhoneNumberThirtySecondLimit', true],
    ['InvalidParameterValue.IncorrectPhoneNumber', false],
    ['FailedOperation.PhoneNumberInBlacklist', false],
  ])('maps the send status %s to SmsSendError(retryable %s)', async (code, retryable) => {
    fake.inject({ phone: '13812345678', code });
    const err = await sendError(sender().send(MESSAGE));
    expect(err).toMatchObject({ providerCode: code, retryable });
    expect(err.message).not.toContain('13812345678');
    await expect(sender().send(MESSAGE)).resolves.toBeUndefined(); // the rule applied once
  });

  it.each([
    ['a request-level InternalError', { errorCode: 'InternalError.Timeout' }, 'InternalError.Timeout'],
    ['an HTTP 502', { httpStatus: 502 }, 'HttpStatus.502'],
  ])('maps %s to a retryable SmsSendError', async (_name, rule, providerCode) => {
    fake.inject(rule);
    const err = await sendError(sender().send(MESSAGE));
    expect(err).toMatchObject({ providerCode, retryable: true });
  });

  it('maps a timeout to a retryable SmsSendError', async () => {
    fake.inject({ delayMs: 1_500 });
    const err = await sendError(sender({ timeoutS: 1 }).send(MESSAGE));
    expect(err).toMatchObject({ providerCode: 'NetworkError', retryable: true });
  });
});

describe('the fake verifies TC3-HMAC-SHA256 for real', () => {
  /** An independent signer written from the Tencent Cloud documentation. */
  function signedRequest(body: string, options: { secretKey?: string; service?: string } = {}) {
    const timestamp = Math.floor(Date.now() / 1000);
    const date = new Date(timestamp * 1000).toISOString().slice(0, 10);
    const service = options.service ?? 'sms';
    const canonical = ['POST', '/', '', 'content-type:application/json\nhost:sms.localhost\n', 'content-type;host', sha256(body)].join('\n');
    const toSign = ['TC3-HMAC-SHA256', String(timestamp), `${date}/${service}/tc3_request`, sha256(canonical)].join('\n');
    const key = hmac(hmac(hmac(`TC3${options.secretKey ?? SECRET_KEY}`, date), service), 'tc3_request');
    const signature = hmac(key, toSign).toString('hex');
    return {
      'content-type': 'application/json',
      host: `sms.localhost:${fake.port}`,
      'x-tc-action': 'SendSms',
      'x-tc-version': '2021-01-11',
      'x-tc-timestamp': String(timestamp),
      authorization: `TC3-HMAC-SHA256 Credential=${SECRET_ID}/${date}/${service}/tc3_request, SignedHeaders=content-type;host, Signature=${signature}`,
    };
  }

  function call(headers: Record<string, string>, body: string): Promise<{ Response: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: fake.port, method: 'POST', path: '/', headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Response: Record<string, unknown> }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  const body = JSON.stringify({ PhoneNumberSet: ['+8613900001111'], SmsSdkAppId: '1400000000', SignName: '教育卡', TemplateId: '1000001', TemplateParamSet: ['111111', '5'] });

  it('accepts an independently computed signature and rejects a tampered body or a wrong service', async () => {
    const ok = await call(signedRequest(body), body);
    expect(ok.Response.SendStatusSet).toEqual([expect.objectContaining({ Code: 'Ok', PhoneNumber: '+8613900001111' })]);

    const tampered = await call(signedRequest(body), body.replace('111111', '222222'));
    expect(tampered.Response).toEqual({
      Error: { Code: 'AuthFailure.SignatureFailure', Message: expect.any(String) },
      RequestId: expect.any(String),
    });

    const wrongService = await call(signedRequest(body, { service: 'cvm' }), body);
    expect(wrongService.Response.Error).toMatchObject({ Code: 'AuthFailure.SignatureFailure' });
  });
});

describe('parseSmsEndpoint', () => {
  it('reads a bare host as https and a URL with its protocol', () => {
    expect(parseSmsEndpoint('sms.tencentcloudapi.com')).toEqual({ protocol: 'https://', endpoint: 'sms.tencentcloudapi.com', hostname: 'sms.tencentcloudapi.com' });
    expect(parseSmsEndpoint('http://sms.localhost:3902')).toEqual({ protocol: 'http://', endpoint: 'sms.localhost:3902', hostname: 'sms.localhost' });
  });
});

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function hmac(key: string | Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text).digest();
}
