/**
 * A TestContext on a database of its own (`educard_scratch_<random>` on the
 * test PostgreSQL server, migrated, dropped by `cleanup()`), for the few tests
 * whose subject works on the whole database and cannot be scoped to the test's
 * own rows: an unscoped semester reset, the demo seed (fixed school code and
 * usernames), "the current semester". Everything else uses createTestContext
 * on the shared test database.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { VariableName } from '../../config';
import { openDatabase } from '../db/client';
import { migrateDatabase } from '../db/migrate';
import { createTestContext, type TestContext } from './context';

async function admin<T>(base: URL, run: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: Object.assign(new URL(base), { pathname: '/postgres' }).toString() });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export async function createScratchTestContext(env: Partial<Record<VariableName, string>> = {}): Promise<TestContext> {
  const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/educard_test');
  const name = `educard_scratch_${randomBytes(6).toString('hex')}`;
  await admin(base, (c) => c.query(`create database "${name}"`));
  const url = Object.assign(new URL(base), { pathname: `/${name}` }).toString();
  try {
    const database = await openDatabase({ databaseUrl: url, pgliteDataDir: '', poolMax: 1 });
    try {
      await migrateDatabase(database);
    } finally {
      await database.close();
    }
  } catch (err) {
    await admin(base, (c) => c.query(`drop database if exists "${name}" with (force)`));
    throw err;
  }
  const ctx = await createTestContext({ ...env, DATABASE_URL: url });
  const cleanup = ctx.cleanup;
  return Object.assign(ctx, {
    cleanup: async () => {
      await cleanup();
      await admin(base, (c) => c.query(`drop database if exists "${name}" with (force)`));
    },
  });
}
