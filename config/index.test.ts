import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ConfigError, loadConfig, VARIABLES } from './index';
import { renderEnvExample } from './env-example';

const SECRETS = Object.entries(VARIABLES)
  .filter(([, spec]) => 'secret' in spec && spec.secret)
  .map(([name]) => name);

describe('loadConfig', () => {
  it('runs on development defaults with no environment at all', () => {
    const config = loadConfig({});
    expect(config.NODE_ENV).toBe('development');
    expect(config.PORT).toBe(3000);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.PGLITE_DATA_DIR).toBe('.data/pglite');
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.PUBLIC_BASE_URL).toBe('http://127.0.0.1:3000');
  });

  it('derives the development PUBLIC_BASE_URL from PORT (WeChat Pay notify_url and links follow the port)', () => {
    expect(loadConfig({ PORT: '3300' }).PUBLIC_BASE_URL).toBe('http://127.0.0.1:3300');
    expect(loadConfig({ PORT: '3300', PUBLIC_BASE_URL: '' }).PUBLIC_BASE_URL).toBe('http://127.0.0.1:3300');
    expect(loadConfig({ PORT: '3300', PUBLIC_BASE_URL: 'https://edu.example.cn' }).PUBLIC_BASE_URL).toBe('https://edu.example.cn');
  });

  it('in production names every missing secret in one message', () => {
    expect(SECRETS).toEqual(expect.arrayContaining(['PII_ENCRYPTION_KEYS', 'PII_BLIND_INDEX_KEY', 'SESSION_SECRET', 'WECHAT_MP_SECRET', 'WECHAT_OA_SECRET']));
    let error: unknown;
    try {
      loadConfig({ NODE_ENV: 'production' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    for (const name of SECRETS) expect((error as Error).message).toContain(name);
  });

  it('in production refuses the public development secrets', () => {
    const dev = loadConfig({});
    expect(() => loadConfig({ NODE_ENV: 'production', SESSION_SECRET: dev.SESSION_SECRET })).toThrow(/SESSION_SECRET/);
  });

  it('explains a malformed value with the variable and its description', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT: .*HTTP port/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
  });

  it('reads Redis Cluster seed nodes and accepts hash tags in QUEUE_PREFIX, nothing else of Redis key syntax', () => {
    expect(loadConfig({}).REDIS_CLUSTER_NODES).toEqual([]);
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'redis-0.redis:6379, 10.0.0.7:7001' }).REDIS_CLUSTER_NODES).toEqual([
      { host: 'redis-0.redis', port: 6379 },
      { host: '10.0.0.7', port: 7001 },
    ]);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'redis-0' })).toThrow(/REDIS_CLUSTER_NODES: must be host:port/);
    expect(loadConfig({ QUEUE_PREFIX: '{educard}' }).QUEUE_PREFIX).toBe('{educard}');
    expect(loadConfig({ QUEUE_PREFIX: 'prod:{edu-1}' }).QUEUE_PREFIX).toBe('prod:{edu-1}');
    for (const bad of ['edu card', 'edu*', '{edu', 'edu}', '{}', '{{edu}}']) expect(() => loadConfig({ QUEUE_PREFIX: bad })).toThrow(/QUEUE_PREFIX/);
  });

  it('keeps the audit log at least the six months the Cybersecurity Law requires', () => {
    expect(loadConfig({}).AUDIT_LOG_RETENTION_DAYS).toBe(1095);
    expect(() => loadConfig({ AUDIT_LOG_RETENTION_DAYS: '90' })).toThrow(/AUDIT_LOG_RETENTION_DAYS/);
    expect(() => loadConfig({ MESSAGE_DELIVERY_RETENTION_DAYS: '7' })).toThrow(/MESSAGE_DELIVERY_RETENTION_DAYS/);
  });

  it('requires the current key id to be in the key ring and every key to be 32 bytes', () => {
    expect(() => loadConfig({ PII_CURRENT_KEY_ID: 'k9' })).toThrow(/PII_CURRENT_KEY_ID/);
    expect(() => loadConfig({ PII_ENCRYPTION_KEYS: 'dev1:c2hvcnQ=' })).toThrow(/exactly 32 bytes/);
  });
});

describe('.env.example', () => {
  it('lists every variable with its description (regenerate with `npm run env:example`)', () => {
    const committed = fs.readFileSync(path.join(__dirname, '..', '.env.example'), 'utf8');
    expect(committed).toBe(renderEnvExample());
  });
});

describe('start-up in production with missing secrets', () => {
  it('exits non-zero naming each missing variable', async () => {
    const root = path.join(__dirname, '..');
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, NODE_ENV: 'production' },
      timeout: 20_000,
    });
    await expect(run).rejects.toMatchObject({ code: 1 });
    const stderr = ((await run.catch((e: { stderr: string }) => e)) as { stderr: string }).stderr;
    for (const name of SECRETS) expect(stderr).toContain(name);
  });
});
