/**
 * The fake WeChat Pay server of `npm start` (development only), on
 * FAKE_WECHATPAY_PORT, with the development key set the API and workers read
 * from Redis (server/integrations/wechatpay/wechatpay-keys.ts): the merchant
 * key pair, the APIv3 key and the platform key under DEV_PUBLIC_KEY_ID. To
 * "pay" an order in development: POST {outTradeNo} to
 * http://127.0.0.1:<port>/__fake/pay-and-notify (notification included).
 */
import type { Config } from '../../config';
import { createRedis } from '../../server/redis';
import { DEV_PUBLIC_KEY_ID, ensureDevWechatPayKeys } from '../../server/integrations/wechatpay/wechatpay-keys';
import { startFakeWechatPay, type FakeWechatPay } from './fake-wechatpay-server';

export interface DevFakeWechatPay {
  fake?: FakeWechatPay;
  url?: string;
  notes: string[];
  close(): Promise<void>;
}

export async function startDevFakeWechatPay(
  config: Pick<Config, 'NODE_ENV' | 'REDIS_URL' | 'REDIS_CLUSTER_NODES' | 'QUEUE_PREFIX' | 'FAKE_WECHATPAY_PORT' | 'WECHATPAY_MCHID' | 'WECHAT_MP_APPID' | 'WECHATPAY_MERCHANT_PRIVATE_KEY' | 'WECHATPAY_APIV3_KEY'>,
): Promise<DevFakeWechatPay> {
  if (config.NODE_ENV === 'production') throw new Error('the fake WeChat Pay server never runs in production');
  const none: DevFakeWechatPay = { notes: [], close: async () => undefined };
  if (config.FAKE_WECHATPAY_PORT === 0) return none;
  if (config.WECHATPAY_MERCHANT_PRIVATE_KEY || config.WECHATPAY_APIV3_KEY) {
    return { ...none, notes: ['WeChat Pay keys are configured: the fake WeChat Pay server (development keys) is not started'] };
  }
  const redis = createRedis(config, 'worker');
  try {
    const keys = await ensureDevWechatPayKeys(redis, config.QUEUE_PREFIX);
    const fake = await startFakeWechatPay({
      port: config.FAKE_WECHATPAY_PORT,
      mchid: config.WECHATPAY_MCHID,
      appid: config.WECHAT_MP_APPID,
      merchantPublicKey: keys.merchantPublicKeyPem,
      apiV3Key: keys.apiV3Key,
      platformPrivateKey: keys.platformPrivateKeyPem,
      publicKeyId: DEV_PUBLIC_KEY_ID,
      mode: 'public_key',
    });
    return { fake, url: fake.url, notes: [], close: () => fake.close() };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      return { ...none, notes: [`port ${config.FAKE_WECHATPAY_PORT} is in use: assuming a fake WeChat Pay server already runs there`] };
    }
    throw err;
  } finally {
    redis.disconnect();
  }
}
