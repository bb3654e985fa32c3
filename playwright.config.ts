import { defineConfig, devices } from '@playwright/test';

const port = Number(process.env.E2E_PORT ?? 3187);
// A database of its own: the system's outbox relay must not pick up rows of the jest run.
const databaseUrl = process.env.E2E_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/educard_e2e';
const fakeWechatPort = Number(process.env.E2E_FAKE_WECHAT_PORT ?? 3912);
const fakeWechatPayPort = Number(process.env.E2E_FAKE_WECHATPAY_PORT ?? 3913);
// Rate-limit counters and queues of one run never meet those of an earlier run.
const runPrefix = `e2e-${Date.now().toString(36)}`;

/**
 * Browser tests of the H5 build (project h5, an iPhone) and of the console
 * (project console, e2e/console/, a 1440×900 desktop) served by the real system (API, workers and the
 * fake WeChat server, as `npm start` runs them, on the test PostgreSQL and the
 * local Redis), in Debian's Chromium (never a downloaded browser).
 */
export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results/e2e',
  timeout: 30_000,
  retries: 0,
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  projects: [
    // The H5 app (e2e/*.spec.ts) on a phone.
    { name: 'h5', testIgnore: /e2e\/console\//, use: { ...devices['iPhone 13'], browserName: 'chromium' } },
    // The console (e2e/console/*.spec.ts) at a desk: 1440×900.
    {
      name: 'console',
      testMatch: /e2e\/console\/.*\.spec\.ts$/,
      use: { browserName: 'chromium', viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false, screenshot: 'only-on-failure' },
    },
  ],
  webServer: {
    command: 'npx tsx tools/db-create.ts && node --import tsx tools/run-all.ts',
    url: `http://127.0.0.1:${port}/api/health`,
    timeout: 60_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      LOG_LEVEL: 'warn',
      FAKE_WECHAT_PORT: String(fakeWechatPort),
      WECHAT_API_BASE: `http://127.0.0.1:${fakeWechatPort}`,
      SMS_PROVIDER: 'dev',
      FAKE_WECHATPAY_PORT: String(fakeWechatPayPort),
      WECHATPAY_API_BASE: `http://127.0.0.1:${fakeWechatPayPort}`,
      QUEUE_PREFIX: runPrefix,
      // One code per phone per second instead of per minute: the flows send several codes to one phone.
      SMS_RESEND_INTERVAL_S: '1',
      // Every browser test signs up from 127.0.0.1: the per-IP SMS limit (20/h) is a school's NAT, not this run.
      SMS_PER_IP_PER_HOUR: '1000',
      // One 待审核 digest per teacher per 2 s instead of 5 min: the notices test waits for it.
      DIGEST_WINDOW_S: '2',
      // 注销 erases at once instead of after 7 days: the browser test checks the erased database (the cool-off has route tests).
      ACCOUNT_CANCEL_COOLOFF_DAYS: '0',
    },
  },
});
