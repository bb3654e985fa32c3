import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../../config';
import { createLogger, type Logger } from '../../logging/logger';
import { createRedis, waitForRedis, type Redis } from '../../redis';
import { DEV_INBOX_CAPACITY, DevSmsSender, devInboxKey, readDevInbox } from './dev-sms-sender';
import { createSmsSender } from './index';
import { renderSms } from './render-sms';
import { SmsSendError, type SmsMessage } from './sms-sender';
import { TencentSmsSender } from './tencent-sms-sender';

const message = (phone: string, code = '482913'): SmsMessage => ({ template: 'verification_code', phone, params: { code, minutes: 5 } });

let redis: Redis;
let prefix: string;
let logLines: string[];
let logger: Logger;

beforeAll(async () => {
  redis = createRedis('redis://127.0.0.1:6379', 'producer');
  await waitForRedis(redis, 3_000);
});
beforeEach(() => {
  prefix = `test-${randomUUID()}`;
  logLines = [];
  logger = createLogger({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
});
afterEach(async () => {
  await redis.del(devInboxKey(prefix));
});
afterAll(() => redis.disconnect());

describe('renderSms', () => {
  it('renders the verification-code text once for every provider', () => {
    expect(renderSms(message('13812345678', '123456'))).toBe('【教育卡】您的验证码为123456，5分钟内有效。请勿泄露给他人。');
    expect(renderSms(message('13812345678', '123456'), { signName: '测试' })).toMatch(/^【测试】/);
  });
});

describe('DevSmsSender and readDevInbox', () => {
  it('puts the message in the inbox, newest first, filtered by phone, and logs the phone masked without the code', async () => {
    const sender = new DevSmsSender({ redis, prefix, logger });
    await sender.send(message('13812345678', '111111'));
    await sender.send(message('13900001111', '222222'));
    await sender.send(message('13812345678', '333333'));

    const all = await readDevInbox(redis, prefix);
    expect(all.map((e) => e.params.code)).toEqual(['333333', '222222', '111111']);
    expect(all[0]).toEqual({
      at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      phone: '13812345678',
      template: 'verification_code',
      text: '【教育卡】您的验证码为333333，5分钟内有效。请勿泄露给他人。',
      params: { code: '333333', minutes: 5 },
    });
    expect((await readDevInbox(redis, prefix, { phone: '13812345678', limit: 1 })).map((e) => e.params.code)).toEqual(['333333']);
    expect(await readDevInbox(redis, prefix, { phone: '13700000000' })).toEqual([]);

    expect(logLines).toHaveLength(3);
    const logged = logLines.join('\n');
    expect(logged).toContain('138****5678');
    expect(logged).not.toMatch(/13812345678|13900001111|111111|222222|333333/);
  });

  it(`keeps only the newest ${DEV_INBOX_CAPACITY} messages`, async () => {
    const sender = new DevSmsSender({ redis, prefix, logger });
    for (let i = 0; i < DEV_INBOX_CAPACITY + 5; i++) await sender.send(message('13812345678', String(100000 + i)));
    expect(await redis.llen(devInboxKey(prefix))).toBe(DEV_INBOX_CAPACITY);
    const [newest] = await readDevInbox(redis, prefix, { limit: 1 });
    expect(newest?.params.code).toBe(String(100000 + DEV_INBOX_CAPACITY + 4));
  });

  it('reports Redis being down as a retryable SmsSendError', async () => {
    const down = { multi: () => ({ lpush: () => ({ ltrim: () => ({ exec: () => Promise.reject(new Error('down')) }) }) }) } as unknown as Redis;
    const err = await new DevSmsSender({ redis: down, prefix, logger }).send(message('13812345678')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmsSendError);
    expect(err).toMatchObject({ providerCode: 'DevInbox.Unavailable', retryable: true });
  });
});

describe('createSmsSender', () => {
  const base = { NODE_ENV: 'test', SMS_PROVIDER: 'dev' };

  it('picks the provider named by SMS_PROVIDER', () => {
    expect(createSmsSender(loadConfig(base), { redis, logger })).toBeInstanceOf(DevSmsSender);
    expect(createSmsSender(loadConfig({ ...base, SMS_PROVIDER: 'tencent' }), { redis, logger })).toBeInstanceOf(TencentSmsSender);
  });

  it('refuses the development inbox in production', () => {
    const production = { ...loadConfig(base), NODE_ENV: 'production' as const };
    expect(() => createSmsSender(production, { redis, logger })).toThrow(/SMS_PROVIDER=dev is refused in production/);
  });
});
