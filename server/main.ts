/**
 * The API process: `npm run api` (the compiled bundle, `npm run build:server`). Workers run in their own process
 * (`npm run worker`), or together with the API in `npm start` (tools/run-all.ts).
 */
import { config, ConfigError } from '../config';
import { closeContext, createContext } from './context';
import { UnsafeDeploymentError } from './http/deployment';
import { startApi } from './http/server';
import { onShutdownSignal } from './lifecycle/shutdown';
import { startMetricsListener } from './metrics/server';

async function main(): Promise<void> {
  const ctx = await createContext(config(), { service: 'api' });
  const api = await startApi(ctx);
  const metrics = await startMetricsListener(ctx, { workers: true });
  onShutdownSignal(ctx.logger, [
    { name: 'http', run: () => api.close() },
    { name: 'metrics', run: async () => metrics?.close() },
    { name: 'connections', run: () => closeContext(ctx) },
  ]);
  ctx.logger.info({ url: api.url, metrics: metrics ? `${metrics.url}/metrics` : 'off (METRICS_PORT=0)', database: ctx.database.kind }, 'EduCard API listening');
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError || err instanceof UnsafeDeploymentError ? err.message : err);
  process.exit(1);
});
