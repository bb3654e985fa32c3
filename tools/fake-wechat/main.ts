/**
 * `npx tsx tools/fake-wechat/main.ts`: run the fake WeChat server alone on
 * FAKE_WECHAT_PORT with the configured appids and secrets (see
 * fake-wechat-server.ts for the routes and the /__fake/ control endpoints).
 */
import { config, ConfigError } from '../../config';
import { startFakeWechat } from './fake-wechat-server';

async function main(): Promise<void> {
  const c = config();
  if (c.NODE_ENV === 'production') throw new Error('the fake WeChat server never runs in production');
  const fake = await startFakeWechat({
    port: c.FAKE_WECHAT_PORT,
    appSecrets: { [c.WECHAT_MP_APPID]: c.WECHAT_MP_SECRET, [c.WECHAT_OA_APPID]: c.WECHAT_OA_SECRET },
  });
  process.stdout.write(
    `fake WeChat server listening at ${fake.url}  (apps: ${c.WECHAT_MP_APPID}, ${c.WECHAT_OA_APPID}; control: ${fake.url}/__fake/calls)\n`,
  );
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
