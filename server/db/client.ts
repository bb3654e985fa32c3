/**
 * The database handle: node-postgres when DATABASE_URL is set, otherwise an
 * embedded PGlite database on disk (PGLITE_DATA_DIR). Both speak the same drizzle
 * schema and the same migrations.
 */
import path from 'node:path';
import fs from 'node:fs';
import { sql, type ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import * as schema from './schema';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Either the database or an open transaction: what repositories accept. */
export type DbOrTx = Db | Tx;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Round trip to the database; throws when it does not answer. */
  ping(): Promise<void>;
  /** Connection pool state (node-postgres only), for the metrics. */
  stats?(): PoolStats;
  close(): Promise<void>;
}

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

/** Called after each statement sent through the pool (node-postgres only): its duration and whether it failed. */
export type QueryObserver = (seconds: number, failed: boolean) => void;

export interface DatabaseOptions {
  databaseUrl?: string | undefined;
  pgliteDataDir: string;
  poolMax?: number;
  /** Extra name shown in pg_stat_activity. */
  applicationName?: string;
  /** Statement timing for the metrics (server/metrics). */
  onQuery?: QueryObserver;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options);
  return openPglite(options.pgliteDataDir);
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<Database> {
  const { Pool } = await import('pg');
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const pool = new Pool({
    connectionString: url,
    max: options.poolMax ?? 10,
    application_name: options.applicationName ?? 'educard',
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // A statement that runs longer than this is a bug or an overload: fail it rather than queue behind it.
    statement_timeout: 30_000,
  });
  // An idle client losing its connection (PostgreSQL restart) must not crash the process.
  pool.on('error', () => undefined);
  // Nor one that is checked out between two statements (inside a transaction) when the server ends the
  // connection (57P01 on restart): the pool stops handling errors of a checked-out client, and an 'error'
  // event without a listener would kill the process. The statement in progress fails on its own; the
  // broken client is not queryable any more, so the pool discards it when it is released.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    if (options.onQuery) timeQueries(client, options.onQuery);
  });
  const db = drizzle({ client: pool, schema }) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    ping: async () => {
      await pool.query('select 1');
    },
    stats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options.max ?? 10 }),
    close: () => pool.end(),
  };
}

/**
 * Wrap one pooled client's query() to time every statement, in both of pg's call styles (the pool calls it
 * with a callback, drizzle's transactions with a promise). Submittables (COPY streams, cursors) pass through.
 */
function timeQueries(client: import('pg').PoolClient, observe: QueryObserver): void {
  const original = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const first = args[0] as { submit?: unknown } | undefined;
    if (first && typeof first.submit === 'function') return original(...args);
    const started = performance.now();
    const done = (failed: boolean) => observe((performance.now() - started) / 1000, failed);
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = (err: unknown, res: unknown) => {
        done(Boolean(err));
        (callback as (e: unknown, r: unknown) => void)(err, res);
      };
      return original(...args);
    }
    const result = original(...args) as Promise<unknown> | undefined;
    result?.then?.(
      () => done(false),
      () => done(true),
    );
    return result;
  };
}

async function openPglite(dataDir: string): Promise<Database> {
  const dir = path.resolve(dataDir);
  fs.mkdirSync(dir, { recursive: true });
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const client = await PGlite.create(dir);
  const db = drizzle({ client, schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => client.close(),
  };
}

/** Rows of a raw `db.execute(sql…)`, for node-postgres and PGlite alike. */
export function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

