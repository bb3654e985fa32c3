/**
 * Database sessions of the registry import's own: connections held for the
 * whole import, because the staging tables are temporary tables (they live in
 * one session, are never in a dump, never WAL-logged, and vanish with the
 * connection), and because rows reach them with COPY … FROM STDIN.
 *
 * - node-postgres (DATABASE_URL): clients checked out of the pool behind the
 *   drizzle handle (at most `wanted`, and never the whole pool when it has room
 *   for more), COPY through pg-copy-streams.
 * - PGlite (the embedded database of development): its one connection, COPY
 *   through PGlite's /dev/blob device (the text of one chunk is held in memory:
 *   development files are small).
 */
import { finished } from 'node:stream/promises';
import type { Pool, PoolClient } from 'pg';
import { from as copyFromStdin, type CopyStreamQuery } from 'pg-copy-streams';
import type { Db } from '../../db/client';

/** Text written into a running COPY. */
export interface CopySink {
  /** Queues COPY text; the promise (when there is one) resolves once the stream takes more. */
  write(text: string): Promise<void> | undefined;
  /** Ends the COPY and resolves when PostgreSQL has stored every row. */
  end(): Promise<void>;
  /** Abandons the COPY (the rows written are discarded); resolves once the connection is usable again. */
  abort(reason: Error): Promise<void>;
}

export interface ImportSession {
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Starts `COPY <target> FROM STDIN` (text format); `target` is a table with its column list. */
  copyFrom(target: string): CopySink;
  /** Gives the connection back; after an error it is discarded (node-postgres) rather than reused. */
  release(failed: boolean): void;
}

interface PgliteLike {
  query<T>(text: string, params?: unknown[], options?: { blob?: Blob }): Promise<{ rows: T[] }>;
  dumpDataDir: unknown;
}

function isPool(client: unknown): client is Pool {
  const c = client as Partial<Pool> | null;
  return !!c && typeof c.connect === 'function' && typeof c.totalCount === 'number';
}

function isPglite(client: unknown): client is PgliteLike {
  const c = client as Partial<PgliteLike> | null;
  return !!c && typeof c.query === 'function' && c.dumpDataDir !== undefined;
}

/**
 * Up to `wanted` sessions on the database behind `db` (at least one). With
 * node-postgres, one connection of a pool of two or more is left for the
 * caller's own statements (the batch record).
 */
export async function openImportSessions(db: Db, wanted: number): Promise<ImportSession[]> {
  const client = (db as unknown as { $client?: unknown }).$client;
  if (isPool(client)) {
    const poolMax = client.options.max ?? 10;
    const count = Math.max(1, Math.min(wanted, poolMax - 1));
    const sessions: ImportSession[] = [];
    try {
      for (let i = 0; i < count; i += 1) sessions.push(pgSession(await client.connect()));
    } catch (err) {
      for (const s of sessions) s.release(false);
      throw err;
    }
    return sessions;
  }
  if (isPglite(client)) return [pgliteSession(client)];
  throw new Error('the registry import needs a node-postgres pool or PGlite behind the drizzle handle');
}

function pgSession(client: PoolClient): ImportSession {
  return {
    query: async <T>(text: string, params?: readonly unknown[]) => (await client.query(text, params as unknown[])).rows as T[],
    copyFrom: (target) => pgCopySink(client.query(copyFromStdin(`copy ${target} from stdin`))),
    release: (failed) => client.release(failed),
  };
}

function pgCopySink(stream: CopyStreamQuery): CopySink {
  let failure: Error | null = null;
  const done = finished(stream).catch((err: unknown) => {
    failure ??= err instanceof Error ? err : new Error(String(err));
  });
  return {
    write: (text) => {
      if (failure) return Promise.reject(failure);
      if (stream.write(text)) return undefined;
      return new Promise<void>((resolve, reject) => {
        const onDrain = () => {
          stream.off('error', onError);
          resolve();
        };
        const onError = (err: Error) => {
          stream.off('drain', onDrain);
          reject(err);
        };
        stream.once('drain', onDrain);
        stream.once('error', onError);
      });
    },
    end: async () => {
      stream.end();
      await done;
      if (failure) throw failure;
    },
    abort: async (reason) => {
      if (!stream.writableFinished && !stream.destroyed) stream.destroy(reason);
      await done;
    },
  };
}

function pgliteSession(pglite: PgliteLike): ImportSession {
  return {
    query: async <T>(text: string, params?: readonly unknown[]) => (await pglite.query<T>(text, params as unknown[])).rows,
    copyFrom: (target) => {
      const parts: string[] = [];
      return {
        write: (text) => {
          parts.push(text);
          return undefined;
        },
        end: async () => {
          await pglite.query(`copy ${target} from '/dev/blob'`, [], { blob: new Blob(parts) });
        },
        abort: async () => {
          parts.length = 0;
        },
      };
    },
    release: () => undefined,
  };
}
