/**
 * `npx tsx tools/fake-wechatpay/main.ts`: run the fake WeChat Pay server alone
 * on FAKE_WECHATPAY_PORT with the development keys (see dev.ts and the
 * /__fake/ control endpoints of fake-wechatpay-server.ts).
 */
import { config, ConfigError } from '../../config';
import { startDevFakeWechatPay } from './dev';

async function main(): Promise<void> {
  const started = await startDevFakeWechatPay(config());
  for (const note of started.notes) process.stdout.write(`${note}\n`);
  if (!started.fake) return;
  process.stdout.write(`fake WeChat Pay listening at ${started.url}  (control: ${started.url}__fake/orders, POST __fake/pay-and-notify {outTradeNo})\n`);
  const stop = () => {
    void started.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
