/**
 * Jest global set-up: create the test database on the local PostgreSQL when it
 * does not exist, and apply the migrations once for the whole run.
 */
import { Client } from 'pg';
import { openDatabase } from '../db/client';
import { migrateDatabase } from '../db/migrate';

export default async function globalSetup(): Promise<void> {
  const url = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/educard_test');
  const name = url.pathname.slice(1);
  const admin = new Client({ connectionString: Object.assign(new URL(url), { pathname: '/postgres' }).toString() });
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) await admin.query(`create database "${name.replace(/"/g, '""')}"`);
  } finally {
    await admin.end();
  }
  const database = await openDatabase({ databaseUrl: url.toString(), pgliteDataDir: '', poolMax: 1 });
  try {
    await migrateDatabase(database);
  } finally {
    await database.close();
  }
}
