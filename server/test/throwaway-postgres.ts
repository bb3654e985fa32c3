/**
 * A PostgreSQL server of a test's own, for fault tests that stop and restart
 * it: a fresh `initdb` cluster in a temporary directory, on a free port,
 * started as a child process of the test (never the machine's shared server,
 * which other tests and engineers use). `stop()`, `start()` and `close()` act
 * on this child only, by its pid.
 *
 * PostgreSQL refuses to run as root: when the tests run as root (CI
 * containers), initdb and postgres are spawned with the uid and gid of the
 * `postgres` system account (Node's spawn `uid`/`gid` options: the child is the
 * postmaster itself, so its pid is the one we stop), and the data directory is
 * chowned to it. As any other user they run as that user.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../db/client';
import { migrateDatabase } from '../db/migrate';

const BIN_DIR = process.env.POSTGRES_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface ThrowawayPostgres {
  port: number;
  /** postgres://postgres@127.0.0.1:<port>/educard (migrated; /postgres for an empty cluster). */
  url: string;
  dataDir: string;
  /** The postmaster's pid while it runs. */
  pid(): number | undefined;
  /** Run a PostgreSQL client program (pg_dump, pg_restore, …) as the server's user; its stdout. */
  tool(name: string, args: string[]): string;
  /** Fast shutdown (SIGINT to the postmaster, what `pg_ctl stop -m fast` sends); resolves when it has exited. */
  stop(): Promise<void>;
  /** Start again on the same port and data directory; resolves when it accepts connections. */
  start(): Promise<void>;
  /** Stop and delete the data directory. */
  close(): Promise<void>;
}

interface ServerFiles {
  /** The temporary directory: the data directory, the socket and HOME of the children. */
  dir: string;
  dataDir: string;
  ids: { uid?: number; gid?: number };
  env: Record<string, string>;
}

function serverFiles(): ServerFiles {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'educard-pg-'));
  const asRoot = process.getuid?.() === 0;
  const ids = asRoot ? { uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()) } : {};
  if (asRoot) fs.chownSync(dir, ids.uid!, ids.gid!);
  return { dir, dataDir: path.join(dir, 'data'), ids, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: dir } };
}

/** Run one of PostgreSQL's client programs (initdb, pg_basebackup, pg_dump, pg_restore) as the server's user; throws with its stderr. */
export function runPostgresTool(files: Pick<ServerFiles, 'ids' | 'env'>, tool: string, args: string[]): string {
  const result = spawnSync(path.join(BIN_DIR, tool), args, { env: files.env, ...files.ids, encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`${tool} failed (${result.status ?? result.signal}): ${result.stderr}`);
  return result.stdout;
}

/** A postmaster on `files.dataDir` (initialised already), with start/stop/close by its pid. */
async function serve(files: ServerFiles, port: number, database: string): Promise<ThrowawayPostgres> {
  const { dir, dataDir, ids, env } = files;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const start = async () => {
    child = spawn(
      path.join(BIN_DIR, 'postgres'),
      ['-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=60'],
      { env, ...ids, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const current = child;
    exited = new Promise((resolve) => current.once('exit', () => resolve()));
    await waitFor(async () => {
      if (current.exitCode !== null) throw new Error(`postgres exited: ${stderr}`);
      return accepts(port);
    }, 20_000, `postgres on port ${port}`);
  };
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      await exited;
    }
  };
  await start();
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/${database}`,
    dataDir,
    pid: () => child?.pid,
    tool: (name, args) => runPostgresTool(files, name, args),
    stop,
    start,
    close: async () => {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startThrowawayPostgres(options: { migrate?: boolean } = {}): Promise<ThrowawayPostgres> {
  const files = serverFiles();
  runPostgresTool(files, 'initdb', ['-D', files.dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  const server = await serve(files, await freePort(), 'educard');
  const admin = await openDatabase({ databaseUrl: `postgres://postgres@127.0.0.1:${server.port}/postgres`, pgliteDataDir: '', poolMax: 1 });
  try {
    await admin.db.execute(sql.raw('create database educard'));
  } finally {
    await admin.close();
  }
  if (options.migrate ?? true) {
    const database = await openDatabase({ databaseUrl: server.url, pgliteDataDir: '', poolMax: 1 });
    try {
      await migrateDatabase(database);
    } finally {
      await database.close();
    }
  }
  return server;
}

/**
 * A streaming replica of `primary`: `pg_basebackup -R -X stream` of it into a
 * directory of its own (the base backup plus standby.signal and the
 * primary_conninfo), started on another free port. It answers read-only
 * queries and follows the primary's WAL until closed.
 */
export async function startThrowawayReplica(primary: ThrowawayPostgres): Promise<ThrowawayPostgres> {
  const files = serverFiles();
  runPostgresTool(files, 'pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', files.dataDir, '-R', '-X', 'stream', '-c', 'fast', '--no-sync']);
  return serve(files, await freePort(), 'educard');
}

/** An empty cluster (initdb, no databases of ours) to restore a backup into. */
export async function startEmptyPostgres(): Promise<ThrowawayPostgres> {
  const files = serverFiles();
  runPostgresTool(files, 'initdb', ['-D', files.dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  return serve(files, await freePort(), 'postgres');
}
