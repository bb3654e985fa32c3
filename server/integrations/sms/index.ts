/**
 * The SMS provider of one process, chosen by SMS_PROVIDER: `tencent` (Tencent
 * Cloud SMS) or `dev` (the development inbox in Redis, refused in production).
 */
import type { Config } from '../../../config';
import type { Logger } from '../../logging/logger';
import type { Redis } from '../../redis';
import { DevSmsSender } from './dev-sms-sender';
import type { SmsSender } from './sms-sender';
import { TencentSmsSender } from './tencent-sms-sender';

export { DevSmsSender, readDevInbox, devInboxKey, DEV_INBOX_CAPACITY, type DevInboxEntry } from './dev-sms-sender';
export { TencentSmsSender, isRetryableSmsCode, parseSmsEndpoint } from './tencent-sms-sender';
export { renderSms, maskPhone } from './render-sms';
export { SmsSendError, type SmsMessage, type SmsSender } from './sms-sender';

type SmsConfig = Pick<
  Config,
  | 'NODE_ENV'
  | 'QUEUE_PREFIX'
  | 'SMS_PROVIDER'
  | 'TENCENT_SMS_ENDPOINT'
  | 'TENCENT_SMS_REGION'
  | 'TENCENT_SECRET_ID'
  | 'TENCENT_SECRET_KEY'
  | 'TENCENT_SMS_SDK_APP_ID'
  | 'TENCENT_SMS_SIGN_NAME'
  | 'TENCENT_SMS_TEMPLATE_VERIFICATION'
  | 'TENCENT_SMS_TEMPLATE_REVIEW_DIGEST'
  | 'TENCENT_SMS_TEMPLATE_REVIEW_APPROVED'
  | 'TENCENT_SMS_TEMPLATE_REVIEW_RETURNED'
  | 'TENCENT_SMS_TEMPLATE_STAFF_INVITATION'
  | 'TENCENT_SMS_TEMPLATE_ACCOUNT_SECURITY'
  | 'TENCENT_SMS_TEMPLATE_RECONFIRM'
  | 'TENCENT_SMS_TEMPLATE_NOTICE'
>;

export function createSmsSender(config: SmsConfig, deps: { redis: Redis; logger: Logger }): SmsSender {
  const logger = deps.logger.child({ component: 'sms' });
  if (config.SMS_PROVIDER === 'dev') {
    if (config.NODE_ENV === 'production') {
      throw new Error('SMS_PROVIDER=dev is refused in production: set SMS_PROVIDER=tencent and the TENCENT_* variables');
    }
    return new DevSmsSender({ redis: deps.redis, prefix: config.QUEUE_PREFIX, logger, signName: config.TENCENT_SMS_SIGN_NAME });
  }
  if (config.NODE_ENV === 'production' && config.TENCENT_SMS_ENDPOINT.startsWith('http://')) {
    throw new Error('TENCENT_SMS_ENDPOINT must not be plain http:// in production');
  }
  return new TencentSmsSender({
    endpoint: config.TENCENT_SMS_ENDPOINT,
    region: config.TENCENT_SMS_REGION,
    secretId: config.TENCENT_SECRET_ID,
    secretKey: config.TENCENT_SECRET_KEY,
    sdkAppId: config.TENCENT_SMS_SDK_APP_ID,
    signName: config.TENCENT_SMS_SIGN_NAME,
    templateIds: {
      verification_code: config.TENCENT_SMS_TEMPLATE_VERIFICATION,
      review_digest: config.TENCENT_SMS_TEMPLATE_REVIEW_DIGEST,
      review_approved: config.TENCENT_SMS_TEMPLATE_REVIEW_APPROVED,
      review_returned: config.TENCENT_SMS_TEMPLATE_REVIEW_RETURNED,
      reconfirm: config.TENCENT_SMS_TEMPLATE_RECONFIRM,
      notice: config.TENCENT_SMS_TEMPLATE_NOTICE,
      account_security: config.TENCENT_SMS_TEMPLATE_ACCOUNT_SECURITY,
      staff_invitation: config.TENCENT_SMS_TEMPLATE_STAFF_INVITATION,
    },
    logger,
  });
}
