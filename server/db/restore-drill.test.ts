/**
 * The restore drill of docs/OPERATIONS.md ("Backup and restore"), run on
 * throw-away clusters: a logical backup (`pg_dump -Fc`) of a populated
 * database, restored with `pg_restore -j 2` into a fresh `initdb` cluster on
 * another loopback port; then the checks the runbook asks for: the same row
 * count in every table, a known record readable (its encrypted phone decrypts
 * with the same keys), and `db:migrate` on the restored database a no-op.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { loadConfig } from '../../config';
import { piiCipherFromConfig } from '../crypto/keys';
import { openDatabase, rowsOf, type Database } from './client';
import { migrateDatabase } from './migrate';
import { accounts, profileVersions } from './schema';
import { buildSubmittedVersion, type BuiltSubmission } from '../test/factories';
import { startEmptyPostgres, startThrowawayPostgres, type ThrowawayPostgres } from '../test/throwaway-postgres';

jest.setTimeout(120_000);

let source: ThrowawayPostgres;
let target: ThrowawayPostgres;
let backupDir: string;
const open: Database[] = [];
const pii = piiCipherFromConfig(loadConfig({}));

beforeAll(async () => {
  [source, target] = await Promise.all([startThrowawayPostgres(), startEmptyPostgres()]);
  // pg_dump runs as the servers' user (postgres when the tests run as root): a directory it can write.
  backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'educard-backup-'));
  fs.chmodSync(backupDir, 0o777);
});

afterAll(async () => {
  await Promise.all(open.map((d) => d.close()));
  await Promise.all([source?.close(), target?.close()]);
  fs.rmSync(backupDir, { recursive: true, force: true });
});

async function connect(url: string): Promise<Database> {
  const database = await openDatabase({ databaseUrl: url, pgliteDataDir: '', poolMax: 2 });
  open.push(database);
  return database;
}

async function rowCounts(database: Database): Promise<Record<string, number>> {
  const tables = rowsOf<{ schema: string; name: string }>(
    await database.db.execute(sql`select schemaname as schema, tablename as name from pg_tables where schemaname in ('public', 'drizzle') order by 1, 2`),
  );
  const counts: Record<string, number> = {};
  for (const t of tables) {
    const [row] = rowsOf<{ n: number }>(await database.db.execute(sql`select count(*)::int as n from ${sql.identifier(t.schema)}.${sql.identifier(t.name)}`));
    counts[`${t.schema}.${t.name}`] = row!.n;
  }
  return counts;
}

test('Given a populated database, when it is dumped and restored into a fresh cluster, then every table has the same rows, a known family reads back with its phone, and the migrations have nothing left to do', async () => {
  const from = await connect(source.url);
  const built: BuiltSubmission[] = [];
  for (let i = 0; i < 20; i += 1) built.push(await buildSubmittedVersion({ db: from.db, pii }));
  const before = await rowCounts(from);
  expect(before['public.profile_versions']).toBe(20);
  expect(before['drizzle.__drizzle_migrations']).toBeGreaterThan(0);

  const dump = path.join(backupDir, 'educard.dump');
  const server = (s: ThrowawayPostgres) => ['-h', '127.0.0.1', '-p', String(s.port), '-U', 'postgres'];
  source.tool('pg_dump', [...server(source), '-Fc', '-Z', '6', '-f', dump, 'educard']);
  expect(fs.statSync(dump).size).toBeGreaterThan(10_000);
  target.tool('createdb', [...server(target), 'educard']);
  target.tool('pg_restore', [...server(target), '-j', '2', '--exit-on-error', '-d', 'educard', dump]);

  const restored = await connect(target.url.replace(/\/postgres$/, '/educard'));
  expect(await rowCounts(restored)).toEqual(before);

  const known = built[7]!;
  const [family] = await restored.db.select({ phoneCipher: accounts.phoneCipher }).from(accounts).where(eq(accounts.id, known.family.id));
  expect(pii.decrypt(family!.phoneCipher!, 'accounts.phone')).toBe(known.familyPhone);
  const [version] = await restored.db.select({ status: profileVersions.status, studentId: profileVersions.studentId }).from(profileVersions).where(eq(profileVersions.id, known.version.id));
  expect(version).toEqual({ status: 'submitted', studentId: known.student.id });

  // The runbook's step 3: db:migrate on the restored database applies nothing.
  await migrateDatabase(restored);
  expect(await rowCounts(restored)).toEqual(before);
  // Sequences came along: the next outbox row gets an id above every restored one.
  const [maxId] = rowsOf<{ max: number; next: number }>(await restored.db.execute(sql`select (select max(id) from outbox)::int as max, nextval(pg_get_serial_sequence('outbox', 'id'))::int as next`));
  expect(maxId!.next).toBeGreaterThan(maxId!.max);
});
