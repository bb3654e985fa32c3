import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../../config';
import { createRedis } from '../../redis';
import { startDevFakeWechatPay } from '../../../tools/fake-wechatpay/dev';
import { createWechatPayGateway } from './wechatpay-client';
import { DEV_PUBLIC_KEY_ID, devKeysRedisKey, ensureDevWechatPayKeys, loadWechatPayKeys, readVerificationKey } from './wechatpay-keys';

describe('WeChat Pay keys', () => {
  const redis = createRedis(process.env.REDIS_URL!, 'worker');
  const prefix = `test-${randomBytes(6).toString('hex')}`;
  afterAll(async () => {
    await redis.del(devKeysRedisKey(prefix));
    redis.disconnect();
  });

  it('In development without keys, Then one key set is generated, kept in Redis and shared; the dev fake accepts it', async () => {
    const [a, b] = await Promise.all([ensureDevWechatPayKeys(redis, prefix), ensureDevWechatPayKeys(redis, prefix)]);
    expect(a).toEqual(b);
    expect(a.apiV3Key).toHaveLength(32);
    const port = String(20000 + Math.floor(Math.random() * 20000));
    const config = loadConfig({ ...process.env, NODE_ENV: 'development', QUEUE_PREFIX: prefix, FAKE_WECHATPAY_PORT: port, WECHATPAY_API_BASE: `http://127.0.0.1:${port}/` });
    const keys = await loadWechatPayKeys(config, redis);
    expect([...keys.verification.keys()]).toEqual([DEV_PUBLIC_KEY_ID]);
    const dev = await startDevFakeWechatPay(config);
    try {
      const gateway = createWechatPayGateway(keys, { baseURL: config.WECHATPAY_API_BASE, timeoutMs: 3000 });
      expect(await gateway.queryOrder('EC20260101NOTHERE00000000')).toBeNull();
    } finally {
      await dev.close();
    }
  });

  it('When the connection is still being opened (a tool right after start-up), Then the development keys wait for it instead of failing', async () => {
    const fresh = createRedis(process.env.REDIS_URL!, 'producer'); // no offline queue, like createContext's
    try {
      expect(fresh.status).not.toBe('ready');
      const keys = await ensureDevWechatPayKeys(fresh, prefix);
      expect(keys.apiV3Key).toHaveLength(32);
    } finally {
      fresh.disconnect();
    }
  });

  it('In production without keys, Then it refuses; a certificate filed under another serial is refused', async () => {
    const config = loadConfig({ ...process.env, NODE_ENV: 'development', QUEUE_PREFIX: prefix });
    await expect(loadWechatPayKeys({ ...config, NODE_ENV: 'production' }, redis)).rejects.toThrow(/required in production/);
    const { startFakeWechatPay } = await import('../../../tools/fake-wechatpay/fake-wechatpay-server');
    const fake = await startFakeWechatPay({ mchid: '1230000109', appid: 'wx1', merchantPublicKey: (await ensureDevWechatPayKeys(redis, prefix)).merchantPublicKeyPem, apiV3Key: 'a'.repeat(32), mode: 'certificate' });
    try {
      const pem = Object.values(JSON.parse(fake.verificationConfig('certificate').WECHATPAY_PLATFORM_CERTS) as Record<string, string>)[0]!;
      expect(() => readVerificationKey('0123ABCD', pem, 'certificate')).toThrow(/serial/);
    } finally {
      await fake.close();
    }
  });
});
