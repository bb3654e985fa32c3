import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { Database } from './client';

export const MIGRATIONS_DIR = path.join(__dirname, 'migrations');

/** Arbitrary constant: the advisory lock that serialises concurrent migrators on one database. */
const MIGRATION_LOCK_KEY = 72_731_001;

/**
 * Apply every committed migration that has not run yet. Idempotent: running it
 * again changes nothing. On PostgreSQL an advisory lock makes concurrent
 * migrators (two processes starting at once) wait for each other.
 */
export async function migrateDatabase(database: Database): Promise<void> {
  if (database.kind === 'pglite') {
    const { migrate } = await import('drizzle-orm/pglite/migrator');
    await migrate(database.db as never, { migrationsFolder: MIGRATIONS_DIR });
    return;
  }
  const { migrate } = await import('drizzle-orm/node-postgres/migrator');
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    await migrate(tx as never, { migrationsFolder: MIGRATIONS_DIR });
  });
}
