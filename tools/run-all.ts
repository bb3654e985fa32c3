/**
 * `npm start` (after scripts/start.mjs has prepared the machine): the API and
 * the workers in one process. One process because the embedded PGlite
 * database admits a single process; in production run `npm run api` and
 * `npm run worker` as separate processes against PostgreSQL.
 */
import { config, ConfigError } from '../config';
import { closeContext, createContext } from '../server/context';
import { migrateDatabase } from '../server/db/migrate';
import { startApi } from '../server/http/server';
import { onShutdownSignal } from '../server/lifecycle/shutdown';
import { startWorkers } from '../jobs/main';

async function main(): Promise<void> {
  const ctx = await createContext(config());
  await migrateDatabase(ctx.database);
  const workers = await startWorkers(ctx);
  const api = await startApi(ctx);
  onShutdownSignal(ctx.logger, [
    { name: 'http', run: () => api.close() },
    { name: 'workers', run: () => workers.close() },
    { name: 'connections', run: () => closeContext(ctx) },
  ]);
  const where = ctx.database.kind === 'pglite' ? `PGlite in ${ctx.config.PGLITE_DATA_DIR}` : 'PostgreSQL';
  ctx.logger.info({ url: api.url, database: where }, 'EduCard is running');
  // The one line a person starting it looks for.
  process.stdout.write(`\n  EduCard 教育卡 is running at ${api.url}  (API: ${api.url}/api/health, database: ${where})\n  Press Ctrl-C to stop.\n\n`);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
