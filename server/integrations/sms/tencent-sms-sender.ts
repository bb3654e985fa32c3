/**
 * Tencent Cloud SMS (SendSms, API 2021-01-11) through the official SDK,
 * tencentcloud-sdk-nodejs-sms, which signs every request with TC3-HMAC-SHA256.
 *
 * TENCENT_SMS_ENDPOINT is a host (sms.tencentcloudapi.com, HTTPS) or, for the
 * local fake, a URL such as http://sms.localhost:3902. The SDK builds the URL
 * as `protocol + endpoint + '/'` and takes the service name of the credential
 * scope from the endpoint's first label, so a fake must be reached through a
 * host whose first label is `sms`: names under .localhost are resolved to
 * 127.0.0.1 here (RFC 6761) without asking DNS.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { sms } from 'tencentcloud-sdk-nodejs-sms';
import type { Logger } from '../../logging/logger';
import { maskPhone, templateParams } from './render-sms';
import { SmsSendError, type SmsMessage, type SmsSender } from './sms-sender';

export interface TencentSmsOptions {
  /** sms.tencentcloudapi.com, or http(s)://host[:port] (a local fake). */
  endpoint: string;
  region: string;
  secretId: string;
  secretKey: string;
  sdkAppId: string;
  signName: string;
  /** Approved template id per message; the verification code's is required, a notification template without one is refused. */
  templateIds: { verification_code: string } & Partial<Record<SmsMessage['template'], string>>;
  logger: Logger;
  /** Request timeout in seconds (default 5). */
  timeoutS?: number;
}

/** `host` or `http(s)://host[:port]` → the SDK's protocol ('https://', with the slashes) and endpoint. */
export function parseSmsEndpoint(value: string): { protocol: 'https://' | 'http://'; endpoint: string; hostname: string } {
  const match = /^(https?):\/\/([^/]+)\/?$/.exec(value.trim());
  const protocol = match ? (`${match[1]}://` as 'https://' | 'http://') : 'https://';
  const endpoint = match ? match[2]! : value.trim();
  const hostname = new URL(`${protocol}${endpoint}`).hostname;
  return { protocol, endpoint, hostname };
}

/** Resolve `localhost` and `*.localhost` to 127.0.0.1 (RFC 6761); everything else through DNS. */
const localhostLookup = ((hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) {
    if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
    return;
  }
  dns.lookup(hostname, options, callback as never);
}) as unknown as NonNullable<http.AgentOptions['lookup']>;

/** Whether a provider error code is worth retrying later (throttling, outage) rather than final. */
export function isRetryableSmsCode(code: string): boolean {
  if (
    code === 'LimitExceeded.PhoneNumberThirtySecondLimit' ||
    code === 'LimitExceeded.DeliveryFrequencyLimit' ||
    code === 'RequestLimitExceeded' ||
    code === 'ServiceUnavailable' ||
    code === 'NetworkError' ||
    code.startsWith('HttpStatus.5') ||
    code === 'HttpStatus.429'
  ) {
    return true;
  }
  if (code.startsWith('InternalError.')) return code !== 'InternalError.SigFieldMissing' && code !== 'InternalError.RestApiInterfaceNotExist';
  if (code === 'InternalError') return true;
  // LimitExceeded.PhoneNumberDailyLimit / OneHourLimit / SameContentDailyLimit / App*Limit,
  // InvalidParameterValue.*, FailedOperation.*, AuthFailure.*, UnauthorizedOperation.*, UnsupportedOperation.*
  return false;
}

export class TencentSmsSender implements SmsSender {
  private readonly client: InstanceType<typeof sms.v20210111.Client>;

  constructor(private readonly options: TencentSmsOptions) {
    const { protocol, endpoint, hostname } = parseSmsEndpoint(options.endpoint);
    const local = hostname === 'localhost' || hostname.endsWith('.localhost');
    const agent = local ? new (protocol === 'http://' ? http.Agent : https.Agent)({ lookup: localhostLookup }) : undefined;
    this.client = new sms.v20210111.Client({
      credential: { secretId: options.secretId, secretKey: options.secretKey },
      region: options.region,
      profile: {
        signMethod: 'TC3-HMAC-SHA256',
        httpProfile: { endpoint, protocol, reqMethod: 'POST', reqTimeout: options.timeoutS ?? 5, ...(agent ? { agent } : {}) },
      },
    });
  }

  async send(message: SmsMessage): Promise<void> {
    const to = maskPhone(message.phone);
    const templateId = this.options.templateIds[message.template];
    if (!templateId) throw new SmsSendError(`Tencent SMS: no template id configured for ${message.template}`, 'MissingTemplateId', false);
    let status: { Code?: string; Message?: string; SerialNo?: string } | undefined;
    let requestId: string | undefined;
    try {
      const response = await this.client.SendSms({
        SmsSdkAppId: this.options.sdkAppId,
        SignName: this.options.signName,
        TemplateId: templateId,
        TemplateParamSet: templateParams(message),
        PhoneNumberSet: [`+86${message.phone}`],
      });
      status = response.SendStatusSet?.[0];
      requestId = response.RequestId;
    } catch (err) {
      const code = sdkErrorCode(err);
      const retryable = isRetryableSmsCode(code);
      this.options.logger.warn({ to, template: message.template, providerCode: code, retryable }, 'Tencent SMS request failed');
      throw new SmsSendError(`Tencent SMS: ${code}: ${(err as Error).message ?? ''}`, code, retryable);
    }
    const code = status?.Code ?? 'MissingSendStatus';
    if (code === 'Ok') {
      this.options.logger.info({ to, template: message.template, serialNo: status?.SerialNo, requestId }, 'SMS sent');
      return;
    }
    const retryable = code === 'MissingSendStatus' ? true : isRetryableSmsCode(code);
    this.options.logger.warn({ to, template: message.template, providerCode: code, retryable, requestId }, 'Tencent SMS refused the message');
    throw new SmsSendError(`Tencent SMS: ${code}: ${status?.Message ?? ''}`, code, retryable);
  }
}

/** The code of an SDK exception: the API's Error.Code, an HTTP status, or a network failure. */
function sdkErrorCode(err: unknown): string {
  const e = err as { code?: unknown; httpCode?: unknown };
  if (typeof e?.code === 'string' && e.code !== '') return e.code;
  if (typeof e?.httpCode === 'number') return `HttpStatus.${e.httpCode}`;
  return 'NetworkError';
}
