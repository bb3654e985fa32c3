/**
 * `npm run db:create [-- [--fresh] [url …]]`: create each PostgreSQL database
 * (by default the one named in DATABASE_URL) when it does not exist,
 * connecting to the server's `postgres` database with the same credentials.
 * `--fresh` drops it first (closing its connections): the full test run uses
 * it to start from empty test databases. Does nothing for PGlite.
 */
import { Client } from 'pg';

async function ensureDatabase(raw: string, fresh: boolean): Promise<void> {
  const url = new URL(raw);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!name || name === 'postgres') throw new Error(`refusing to create or drop database "${name}"`);
  const admin = new Client({ connectionString: Object.assign(new URL(raw), { pathname: '/postgres' }).toString() });
  await admin.connect();
  try {
    const quoted = `"${name.replace(/"/g, '""')}"`;
    if (fresh) await admin.query(`drop database if exists ${quoted} with (force)`);
    const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) {
      await admin.query(`create database ${quoted}`);
      console.log(`Database ${name} created${fresh ? ' (fresh)' : ''}.`);
    }
  } finally {
    await admin.end();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const fresh = args.includes('--fresh');
  const urls = args.filter((a) => !a.startsWith('--'));
  if (urls.length === 0 && process.env.DATABASE_URL) urls.push(process.env.DATABASE_URL);
  if (urls.length === 0) {
    console.log('DATABASE_URL is unset: PGlite needs no database to be created.');
    return;
  }
  for (const url of urls) await ensureDatabase(url, fresh);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
