/**
 * `npx tsx tools/fake-tencent-sms/main.ts [port]`: run the fake Tencent Cloud
 * SMS API alone, accepting the configured TENCENT_SECRET_ID / TENCENT_SECRET_KEY.
 * Point the API at it with SMS_PROVIDER=tencent TENCENT_SMS_ENDPOINT=http://sms.localhost:<port>.
 */
import { config, ConfigError } from '../../config';
import { startFakeTencentSms } from './fake-tencent-sms-server';

async function main(): Promise<void> {
  const c = config();
  if (c.NODE_ENV === 'production') throw new Error('the fake Tencent SMS server never runs in production');
  const fromEndpoint = /^http:\/\/[^/]+:(\d+)\/?$/.exec(c.TENCENT_SMS_ENDPOINT)?.[1];
  const port = Number(process.argv[2] ?? fromEndpoint ?? 3902);
  const fake = await startFakeTencentSms({
    port,
    credentials: { [c.TENCENT_SECRET_ID]: c.TENCENT_SECRET_KEY },
    sdkAppIds: [c.TENCENT_SMS_SDK_APP_ID],
  });
  process.stdout.write(`fake Tencent Cloud SMS listening at ${fake.url}  (set TENCENT_SMS_ENDPOINT=${fake.endpoint})\n`);
  const stop = () => {
    void fake.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
