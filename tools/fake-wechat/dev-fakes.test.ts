/** `npm start`'s fakes, wired from configuration exactly as the API reads it. */
import net from 'node:net';
import { loadConfig } from '../../config';
import { createLogger } from '../../server/logging/logger';
import { createRedis, waitForRedis, type Redis } from '../../server/redis';
import { createSmsSender } from '../../server/integrations/sms';
import { createWechatClient } from '../../server/integrations/wechat';
import { startDevFakes, type DevFakes } from './dev-fakes';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

let redis: Redis;
let fakes: DevFakes | undefined;
let again: DevFakes | undefined;

beforeAll(async () => {
  redis = createRedis('redis://127.0.0.1:6379', 'producer');
  await waitForRedis(redis, 3_000);
});
afterAll(async () => {
  await again?.close();
  await fakes?.close();
  redis.disconnect();
});

it('starts the fake WeChat and Tencent SMS servers that the configured clients talk to, and reuses running ones', async () => {
  const [wechatPort, smsPort] = [await freePort(), await freePort()];
  const config = loadConfig({
    NODE_ENV: 'development',
    QUEUE_PREFIX: `test-${wechatPort}-${Date.now()}`,
    FAKE_WECHAT_PORT: String(wechatPort),
    WECHAT_API_BASE: `http://127.0.0.1:${wechatPort}`,
    SMS_PROVIDER: 'tencent',
    TENCENT_SMS_ENDPOINT: `http://sms.localhost:${smsPort}`,
  });
  fakes = await startDevFakes(config);
  expect(fakes.notes).toEqual([]);
  expect(fakes.wechatUrl).toBe(`http://127.0.0.1:${wechatPort}`);

  const logger = createLogger({ level: 'silent' });
  const wechat = createWechatClient(config, { redis, logger });
  await expect(wechat.code2Session('dev:o_dev_fakes')).resolves.toEqual({ openid: 'o_dev_fakes' });
  await expect(wechat.getPhoneNumber('devphone:13812345678')).resolves.toMatchObject({ purePhoneNumber: '13812345678' });
  await createSmsSender(config, { redis, logger }).send({ template: 'verification_code', phone: '13812345678', params: { code: '123456', minutes: 5 } });
  expect(fakes.sms?.messages()).toHaveLength(1);

  again = await startDevFakes(config);
  expect(again.wechat).toBeUndefined();
  expect(again.notes).toHaveLength(2);
  await redis.del(`${config.QUEUE_PREFIX}:wechat:token:${config.WECHAT_MP_APPID}`);
});
