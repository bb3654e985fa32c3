/**
 * `npm run demo:seed`: the demo school, registry and staff accounts for trying
 * EduCard (server/services/demo-seed). Idempotent: a second run changes
 * nothing. Refused with NODE_ENV=production.
 *
 * Exit codes: 0 seeded (or already there), 1 failed.
 */
import { config, ConfigError } from '../config';
import { closeContext, createContext } from '../server/context';
import { migrateDatabase } from '../server/db/migrate';
import { DemoSeedRefused, formatDemoSeedSummary, seedDemo } from '../server/services/demo-seed/demo-seed';

async function main(): Promise<number> {
  const cfg = config();
  if (cfg.NODE_ENV === 'production') {
    console.error('NODE_ENV=production：不会写入示范数据。');
    return 1;
  }
  const ctx = await createContext(cfg);
  try {
    await migrateDatabase(ctx.database);
    const result = await seedDemo(ctx);
    console.log(formatDemoSeedSummary(result));
    return 0;
  } catch (err) {
    if (err instanceof DemoSeedRefused) {
      console.error(err.message);
      return 1;
    }
    throw err;
  } finally {
    await closeContext(ctx);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exitCode = 1;
  },
);
