/**
 * The API process: `npm run api` (the compiled bundle, `npm run build:server`). Workers run in their own process
 * (`npm run worker`), or together with the API in `npm start` (tools/run-all.ts).
 */
import { config, ConfigError } from '../config';
import { closeContext, createContext } from './context';
import { UnsafeDeploymentError } from './http/deployment';
import { startApi } from './http/server';
import { onShutdownSignal } from './lifecycle/shutdown';

async function main(): Promise<void> {
  const ctx = await createContext(config());
  const api = await startApi(ctx);
  onShutdownSignal(ctx.logger, [
    { name: 'http', run: () => api.close() },
    { name: 'connections', run: () => closeContext(ctx) },
  ]);
  ctx.logger.info({ url: api.url, database: ctx.database.kind }, 'EduCard API listening');
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError || err instanceof UnsafeDeploymentError ? err.message : err);
  process.exit(1);
});
