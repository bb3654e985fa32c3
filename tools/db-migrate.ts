/**
 * `npm run db:migrate`: apply pending migrations to DATABASE_DIRECT_URL (else DATABASE_URL), or to the
 * PGlite data directory. Migrations run DDL and long statements under an advisory lock: they connect to
 * PostgreSQL directly, never through PgBouncer.
 */
import { config } from '../config';
import { openDatabase } from '../server/db/client';
import { migrateDatabase } from '../server/db/migrate';

async function main(): Promise<void> {
  const cfg = config();
  const database = await openDatabase({ databaseUrl: cfg.DATABASE_DIRECT_URL ?? cfg.DATABASE_URL, pgliteDataDir: cfg.PGLITE_DATA_DIR, poolMax: 1 });
  try {
    await migrateDatabase(database);
    const where = database.kind === 'pglite' ? `PGlite at ${cfg.PGLITE_DATA_DIR}` : 'PostgreSQL';
    console.log(`Migrations applied (${where}).`);
  } finally {
    await database.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
