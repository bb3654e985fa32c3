/**
 * `npm run demo:seed`: the demo school, registry and staff accounts for trying
 * EduCard (server/services/demo-seed). Idempotent: a second run changes
 * nothing. Refused with NODE_ENV=production.
 *
 * Exit codes: 0 seeded (or already there), 1 failed.
 */
import { config } from '../config';
import { closeContext, createContext } from '../server/context';
import { migrateDatabase } from '../server/db/migrate';
import { DemoSeedRefused, formatDemoSeedSummary, seedDemo } from '../server/services/demo-seed/demo-seed';
import { runCli } from './run-cli';

const USAGE = `用法: npm run demo:seed

  写入示范学校、学籍库和教职工账号（可重复执行，已有的不会改动）；NODE_ENV=production 时拒绝执行。`;

runCli({
  usage: USAGE,
  expected: [[DemoSeedRefused, 1]],
  run: async () => {
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
    } finally {
      await closeContext(ctx);
    }
  },
});
