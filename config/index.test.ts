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
