/**
 * `npm start` (after scripts/start.mjs has prepared the machine): the API and
 * the workers in one process, plus, outside production, the fake WeChat
 * server the development build talks to. One process because the embedded
 * PGlite database admits a single process; in production run `npm run api` and
 * `npm run worker` as separate processes against PostgreSQL.
 */
import { config, ConfigError } from '../config';
import { closeContext, createContext } from '../server/context';
import { migrateDatabase } from '../server/db/migrate';
import { developmentModeNotice, UnsafeDeploymentError } from '../server/http/deployment';
import { startApi } from '../server/http/server';
import { onShutdownSignal } from '../server/lifecycle/shutdown';
import { startMetricsListener } from '../server/metrics/server';
import { startWorkers } from '../jobs/main';
import { startDevFakes } from './fake-wechat/dev-fakes';
import { startDevFakeWechatPay } from './fake-wechatpay/dev';
import { schools } from '../server/db/schema';
import { formatDemoSeedSummary, seedDemo } from '../server/services/demo-seed/demo-seed';

async function main(): Promise<void> {
  const cfg = config();
  const fakes = cfg.NODE_ENV === 'production' ? undefined : await startDevFakes(cfg);
  const fakePay = cfg.NODE_ENV === 'production' ? undefined : await startDevFakeWechatPay(cfg);
  const ctx = await createContext(cfg);
  await migrateDatabase(ctx.database);
  // A fresh development database gets the demo school once (never in production, nor under the e2e tests,
  // which start this file with NODE_ENV=test and own their data): see `npm run demo:seed`.
  let seedSummary: string | undefined;
  if (cfg.NODE_ENV === 'development') {
    const [anySchool] = await ctx.db.select({ id: schools.id }).from(schools).limit(1);
    if (!anySchool) seedSummary = formatDemoSeedSummary(await seedDemo(ctx));
  }
  // The whole system owns its database (also under the e2e tests, NODE_ENV=test on educard_e2e): its relay takes every row.
  const workers = await startWorkers(ctx);
  const api = await startApi(ctx);
  const metrics = await startMetricsListener(ctx, { workers: true });
  onShutdownSignal(ctx.logger, [
    { name: 'http', run: () => api.close() },
    { name: 'metrics', run: async () => metrics?.close() },
    { name: 'workers', run: () => workers.close() },
    { name: 'connections', run: () => closeContext(ctx) },
    { name: 'fakes', run: async () => fakes?.close() },
    { name: 'fake-wechatpay', run: async () => fakePay?.close() },
  ]);
  for (const note of [...(fakes?.notes ?? []), ...(fakePay?.notes ?? [])]) ctx.logger.warn(note);
  const where = ctx.database.kind === 'pglite' ? `PGlite in ${ctx.config.PGLITE_DATA_DIR}` : 'PostgreSQL';
  ctx.logger.info({ url: api.url, database: where }, 'EduCard is running');
  // The one line a person starting it looks for.
  const lines = [`EduCard 教育卡 is running at ${api.url}  (API: ${api.url}/api/health, database: ${where})`];
  const notice = developmentModeNotice(cfg);
  if (notice) lines.push(notice);
  if (fakes?.wechatUrl) lines.push(`Fake WeChat server (development): ${fakes.wechatUrl}; SMS codes and messages: ${api.url}/#/pages/dev-inbox/index`);
  lines.push(`Console (school admins, card centre): ${api.url}/console/`);
  if (seedSummary) process.stdout.write(`\n  The database was empty: demo data seeded (npm run demo:seed).\n  ${seedSummary.split('\n').join('\n  ')}\n`);
  if (fakePay?.url) lines.push(`Fake WeChat Pay (development): ${fakePay.url}  (pay an order: POST ${fakePay.url}__fake/pay-and-notify {"outTradeNo"})`);
  process.stdout.write(`\n  ${[...lines, 'Press Ctrl-C to stop.'].join('\n  ')}\n\n`);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError || err instanceof UnsafeDeploymentError ? err.message : err);
  process.exit(1);
});
