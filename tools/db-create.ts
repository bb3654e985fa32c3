/**
 * `npm run db:create`: create the PostgreSQL database named in DATABASE_URL
 * when it does not exist (connecting to the server's `postgres` database with
 * the same credentials). Used by the browser tests for their own database;
 * handy for a fresh server. Does nothing for PGlite.
 */
import { Client } from 'pg';

async function main(): Promise<void> {
  const raw = process.env.DATABASE_URL;
  if (!raw) {
    console.log('DATABASE_URL is unset: PGlite needs no database to be created.');
    return;
  }
  const url = new URL(raw);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!name) throw new Error('DATABASE_URL names no database');
  const admin = new Client({ connectionString: Object.assign(new URL(raw), { pathname: '/postgres' }).toString() });
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) {
      await admin.query(`create database "${name.replace(/"/g, '""')}"`);
      console.log(`Database ${name} created.`);
    }
  } finally {
    await admin.end();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
