/**
 * `npm run bench [-- --small] [-- --only import,rush,fanout] [-- --keep-db]`
 *
 * The benchmark of issue #7 on real PostgreSQL, Redis, the API and worker
 * processes and the fake WeChat, each figure beside a floor measured in the
 * same run (see BENCHMARKS.md):
 *
 *   import   a generated registry CSV (1,000,000 rows; --small 10,000) through
 *            `npm run registry:import`: rows/s and peak RSS; floor: psql \copy
 *            of the same file into a plain table.
 *   rush     20,000 profile submissions (--small 200) over HTTP by as many signed-in
 *            families against that registry (80 % match, 20 % need review):
 *            throughput, p50/p99, time until every one is approved or
 *            pending_review; floors: a bare Koa GET and a POST that inserts
 *            one row and enqueues one job. API and worker RSS idle and at peak.
 *   fanout   one notice to 3,000 recipients (--small 100): time until the fake
 *            WeChat has them all; floor: the fake's own accept rate.
 *   stats    the console's statistics routes (province, city, district overview,
 *            school list and funnel) on 1,000,000 students across 2,000 schools
 *            (--small 20,000 across 100) in a database of their own: p95 beside
 *            GET /api/console/me on the same stack (bench/console-stats.ts).
 *
 * Everything runs on a database of its own (educard_bench / educard_bench_small,
 * dropped and re-created) and a queue prefix of its own; the run stops by itself
 * (a global deadline) and stops every process it started. Writes bench/results.json
 * (bench/results.small.json for --small; bench/.work/<BENCH_DATABASE>.results.json
 * for a run on a database of another name).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { loadConfig } from '../config';
import type { Database } from '../server/db/client';
import { piiCipherFromConfig } from '../server/crypto/keys';
import { BenchRegistry, guardianPhoneOf, writeRegistryCsv } from './registry-data';
import { buildSubmission, createFamilies, databaseUrlFor, decisionCounts, dropDatabase, freshDatabase, schoolDirectory } from './setup';
import { CpuMeter, redisPidFromInfo, type CpuWindow } from './cpu-meter';
import { ROOT, RssSampler, freePort, httpOk, killAll, logHas, rssMb, runNode, startNode, waitFor, type Service } from './processes';
import type { LoadRequest, LoadResult, LoadSpec } from './load-client';
import { printTable, type CpuPerUnit, type Results } from './report';
import { runFanout, type FanoutResult } from './fanout';
import { benchConsoleStats } from './console-stats';

const args = parseArgs({
  options: {
    small: { type: 'boolean' },
    only: { type: 'string' },
    'keep-db': { type: 'boolean' },
    connections: { type: 'string' },
  },
}).values;

const SMALL = Boolean(args.small);
const SIZE = SMALL
  ? { registry: 10_000, submissions: 200, fanout: 100, floorMs: 1_500, deadlineMs: 4 * 60_000, submitTimeoutMs: 60_000, decideTimeoutMs: 60_000 }
  : { registry: 1_000_000, submissions: 20_000, fanout: 3_000, floorMs: 5_000, deadlineMs: 40 * 60_000, submitTimeoutMs: 600_000, decideTimeoutMs: 300_000 };
// Overrides for quick local loops (profiling): BENCH_REGISTRY_ROWS, BENCH_SUBMISSIONS, BENCH_FANOUT.
if (process.env.BENCH_REGISTRY_ROWS) SIZE.registry = Number(process.env.BENCH_REGISTRY_ROWS);
if (process.env.BENCH_SUBMISSIONS) SIZE.submissions = Number(process.env.BENCH_SUBMISSIONS);
if (process.env.BENCH_FANOUT) SIZE.fanout = Number(process.env.BENCH_FANOUT);
const CONNECTIONS = Number(args.connections ?? 50);
const ONLY = new Set((args.only ?? 'import,rush,fanout,stats').split(',').map((s) => s.trim()));
const BASE_DB_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB_NAME = process.env.BENCH_DATABASE ?? (SMALL ? 'educard_bench_small' : 'educard_bench');
const DB_URL = databaseUrlFor(BASE_DB_URL, DB_NAME);
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const QUEUE_PREFIX = `educard-bench-${process.pid}`;
/** A run on a database of its own name (BENCH_DATABASE) keeps its files and results apart, so runs can overlap. */
const OWN_NAME = process.env.BENCH_DATABASE !== undefined;
const WORK_DIR = path.join(ROOT, 'bench', '.work', OWN_NAME ? DB_NAME : SMALL ? 'small' : 'full');
const LOG_DIR = path.join(WORK_DIR, 'logs');
/** The local Redis server's pid, for the CPU meter (null when /proc cannot see it). */
let redisPid: number | null = null;
const SERVER_DIR = path.join(WORK_DIR, 'server');

const log = (msg: string) => process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

/** The environment of the API, worker and tools of this run. */
function serviceEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    DATABASE_URL: DB_URL,
    REDIS_URL,
    QUEUE_PREFIX,
    LOG_LEVEL: 'info',
    SMS_PROVIDER: 'dev',
    // The messaging limiter (default 50/s, for WeChat quotas) would alone make a 3,000-message fan-out take 60 s;
    // the bench measures what the code does under it. BENCH_NOTIFY_RATE_PER_S=50 shows the default.
    NOTIFY_RATE_PER_S: process.env.BENCH_NOTIFY_RATE_PER_S ?? '2000',
    ...(process.env.BENCH_NOTIFY_CONCURRENCY ? { NOTIFY_CONCURRENCY: process.env.BENCH_NOTIFY_CONCURRENCY } : {}),
    ...extra,
  };
}

async function runLoadClient(spec: LoadSpec, name: string): Promise<LoadResult & { endedAtMs: number }> {
  const file = path.join(WORK_DIR, `${name}.load.json`);
  fs.writeFileSync(file, JSON.stringify(spec));
  const out = await runNode('bench/load-client.ts', { args: [file], timeoutMs: spec.timeoutMs + 30_000 });
  const endedAtMs = Date.now();
  if (out.code !== 0) throw new Error(`load client failed: ${out.stderr.slice(0, 2000)}`);
  return { ...(JSON.parse(out.stdout.trim().split('\n').pop()!) as LoadResult), endedAtMs };
}

// ---------------------------------------------------------------- import

async function benchImport(results: Results, registry: BenchRegistry, database: Database): Promise<void> {
  const csv = path.join(WORK_DIR, `registry-${registry.size}.csv`);
  let started = Date.now();
  await writeRegistryCsv(registry, csv);
  log(`registry CSV: ${registry.size} rows, ${Math.round(fs.statSync(csv).size / 1e6)} MB, generated in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // Floor: psql \copy of the same file into a plain table of text columns, one per column of the file.
  await database.db.execute(
    `create table bench_copy_floor (student_number text, name text, resident_id text, sex text, birth_date text,
      school_code text, school_name text, grade text, class_name text, registry_status text, guardian1_name text, guardian1_phone text)` as never,
  );
  started = Date.now();
  const copy = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', DB_URL, '-c', `\\copy bench_copy_floor from '${csv}' with (format csv, header true)`], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  const copyMs = Date.now() - started;
  if (copy.status !== 0) throw new Error(`psql \\copy failed: ${copy.stderr}`);
  await database.db.execute('drop table bench_copy_floor' as never);
  log(`floor psql \\copy: ${copyMs} ms`);

  const first = await runImport(csv, 'import');
  if (first.imported !== registry.size) throw new Error(`the import imported ${first.imported} of ${registry.size} rows`);
  // The same file again: every row is unchanged (what an operator's second upload of a file costs).
  const again = await runImport(csv, 'reimport');
  if (again.unchanged !== registry.size) throw new Error(`the re-import found ${again.unchanged} of ${registry.size} rows unchanged`);
  const perRow = (ms: number) => Math.round((ms * 1000) / registry.size);
  const cpuOf = (run: ImportRun) => ({ toolUsPerRow: perRow(run.toolCpuMs), postgresUsPerRow: perRow(run.postgresCpuMs) });
  const cores = os.cpus().length;
  const bound = (run: ImportRun) => Math.round((cores * registry.size * 1000) / Math.max(1, run.toolCpuMs + run.postgresCpuMs));
  const figures = {
    rows: registry.size,
    importSeconds: first.seconds,
    rowsPerSecond: Math.round(registry.size / first.seconds),
    wallSeconds: first.wallSeconds,
    peakRssMb: first.peakRssMb,
    floorCopySeconds: Math.round(copyMs / 100) / 10,
    floorCopyRowsPerSecond: Math.round(registry.size / (copyMs / 1000)),
    cpu: cpuOf(first),
    cpuBoundRowsPerSecond: bound(first),
    reimport: { rowsPerSecond: Math.round(registry.size / again.seconds), peakRssMb: again.peakRssMb, cpu: cpuOf(again), cpuBoundRowsPerSecond: bound(again) },
  };
  results.import = figures;
  log(`import: ${figures.rowsPerSecond} rows/s, peak RSS ${figures.peakRssMb} MB (floor ${figures.floorCopyRowsPerSecond} rows/s); CPU per row: tool ${figures.cpu.toolUsPerRow} µs, PostgreSQL ${figures.cpu.postgresUsPerRow} µs`);
  log(`re-import (unchanged): ${figures.reimport.rowsPerSecond} rows/s; CPU per row: tool ${figures.reimport.cpu.toolUsPerRow} µs, PostgreSQL ${figures.reimport.cpu.postgresUsPerRow} µs`);
}

interface ImportRun {
  imported: number;
  unchanged: number;
  seconds: number;
  wallSeconds: number;
  peakRssMb: number;
  /** The import tool's own CPU (it prints process.cpuUsage()), and PostgreSQL's over the same window. */
  toolCpuMs: number;
  postgresCpuMs: number;
}

async function runImport(csv: string, name: string): Promise<ImportRun> {
  let pid = 0;
  let sampler: RssSampler | undefined;
  const started = Date.now();
  const meter = new CpuMeter({ api: [], worker: [], redis: null });
  const out = await runNode('tools/registry-import.ts', {
    args: [csv, '--by', 'bench', '--report', path.join(WORK_DIR, `${name}-report.csv`)],
    env: serviceEnv(),
    timeoutMs: SMALL ? 120_000 : 900_000,
    onSpawn: (p) => {
      pid = p;
      sampler = new RssSampler([p], 100);
    },
  });
  const cpu = meter.read();
  const wallMs = Date.now() - started;
  sampler?.stop();
  fs.writeFileSync(path.join(LOG_DIR, `${name}.log`), out.stdout + out.stderr);
  if (out.code !== 0) throw new Error(`registry import failed (exit ${out.code}): ${out.stdout.slice(-2000)} ${out.stderr.slice(-2000)}`);
  const num = (re: RegExp) => Number(re.exec(out.stdout)?.[1] ?? NaN);
  return {
    imported: num(/imported:\s+(\d+)/),
    unchanged: num(/unchanged (\d+)\)/),
    seconds: num(/duration:\s+([\d.]+) s/),
    wallSeconds: Math.round(wallMs / 100) / 10,
    peakRssMb: Math.max(num(/peak RSS:\s+(\d+) MB/), sampler?.peak(pid) ?? 0),
    toolCpuMs: Math.round(num(/CPU time:\s+([\d.]+) s/) * 1000),
    postgresCpuMs: cpu.serviceMs.postgres,
  };
}

// ---------------------------------------------------------------- rush

async function floorKoaGet(): Promise<LoadResult> {
  const port = await freePort();
  const svc = startNode('floor-koa-get', 'bench/floors/koa-get.ts', { env: { PORT: String(port) }, logDir: LOG_DIR });
  try {
    await waitFor('floor koa-get', () => logHas(svc.logFile, 'listening'), 30_000);
    return await runLoadClient(
      { host: '127.0.0.1', port, connections: CONNECTIONS, repeat: { request: { method: 'GET', path: '/' }, durationMs: SIZE.floorMs, warmupMs: 500 }, timeoutMs: 60_000 },
      'floor-koa-get',
    );
  } finally {
    await svc.stop();
  }
}

async function floorInsertEnqueue(): Promise<LoadResult & { cpu: CpuPerUnit }> {
  const port = await freePort();
  const svc = startNode('floor-insert-enqueue', 'bench/floors/insert-enqueue.ts', {
    env: { PORT: String(port), DATABASE_URL: DB_URL, REDIS_URL, QUEUE_PREFIX, DATABASE_POOL_MAX: '10' },
    logDir: LOG_DIR,
  });
  try {
    await waitFor('floor insert-enqueue', () => logHas(svc.logFile, 'listening'), 30_000);
    const body = JSON.stringify({ studentId: '00000000-0000-4000-8000-000000000000', note: 'bench floor row' });
    const meter = new CpuMeter({ api: [svc.pid], worker: [], redis: redisPid });
    const load = await runLoadClient(
      {
        host: '127.0.0.1',
        port,
        connections: CONNECTIONS,
        repeat: { request: { method: 'POST', path: '/items', headers: { 'Content-Type': 'application/json' }, body }, durationMs: SIZE.floorMs, warmupMs: 500 },
        timeoutMs: 60_000,
      },
      'floor-insert-enqueue',
    );
    return { ...load, cpu: cpuPer(meter.read(), load.sent, load.cpuMs) };
  } finally {
    await svc.stop();
  }
}

async function startStack(fakeUrl: string): Promise<{ api: Service; worker: Service; apiUrl: string; port: number }> {
  const port = await freePort();
  const env = serviceEnv({ PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, WECHAT_API_BASE: fakeUrl });
  // The services run as production runs them: compiled ahead of time (npm run build:server), not through tsx.
  const build = spawnSync(process.execPath, ['scripts/build-server.mjs', '--outdir', SERVER_DIR], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build:server failed: ${build.stdout}${build.stderr}`);
  const api = startNode('api', path.join(SERVER_DIR, 'api.cjs'), { env, logDir: LOG_DIR, nodeArgs: process.env.BENCH_API_NODE_ARGS?.split(' ').filter(Boolean) ?? [] });
  const worker = startNode('worker', path.join(SERVER_DIR, 'worker.cjs'), { env, logDir: LOG_DIR, nodeArgs: process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? [] });
  const apiUrl = `http://127.0.0.1:${port}`;
  await waitFor('API', () => httpOk(`${apiUrl}/api/health`), 60_000, 250);
  await waitFor('worker', () => logHas(worker.logFile, 'EduCard workers running'), 60_000, 250);
  return { api, worker, apiUrl, port };
}

async function benchRush(results: Results, registry: BenchRegistry, database: Database, stack: { api: Service; worker: Service; port: number }): Promise<void> {
  const cfg = loadConfig(serviceEnv());
  const started = Date.now();
  const families = await createFamilies(database.db, cfg, SIZE.submissions, {
    pii: piiCipherFromConfig(cfg),
    phoneOf: (k) => guardianPhoneOf(Math.floor((k * registry.size) / SIZE.submissions)),
  });
  const directory = await schoolDirectory(database.db);
  const kinds = { match: 0, mismatch: 0, not_found: 0 };
  const requests: LoadRequest[] = families.map((f, k) => {
    const { body, kind } = buildSubmission(registry, directory, k, SIZE.submissions);
    kinds[kind] += 1;
    return {
      method: 'POST',
      path: `/api/students/${f.studentId}/submissions`,
      headers: { Authorization: `Bearer ${f.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    };
  });
  log(`rush setup: ${families.length} families with sessions in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // Warm the API (JIT, pool) with reads that change nothing, then take the idle RSS.
  await runLoadClient(
    { host: '127.0.0.1', port: stack.port, connections: 4, repeat: { request: { method: 'GET', path: '/api/health' }, durationMs: 1_000 }, timeoutMs: 30_000 },
    'warmup',
  );
  await new Promise((r) => setTimeout(r, 1_000));
  const idle = { api: rssMb(stack.api.pid), worker: rssMb(stack.worker.pid) };

  const sampler = new RssSampler([stack.api.pid, stack.worker.pid], 100);
  const meter = new CpuMeter({ api: [stack.api.pid], worker: [stack.worker.pid], redis: redisPid });
  const firstAt = Date.now();
  const load = await runLoadClient({ host: '127.0.0.1', port: stack.port, connections: CONNECTIONS, requests, timeoutMs: SIZE.submitTimeoutMs }, 'rush');
  const lastSubmitAt = load.endedAtMs;
  log(`rush submitted: ${load.completed} in ${load.durationMs} ms (${load.rps}/s), p50 ${load.latencyMs.p50} ms, p99 ${load.latencyMs.p99} ms; statuses ${JSON.stringify(load.statuses)}`);
  if (load.samples.length) log(`  samples: ${load.samples.join(' | ')}`);

  let counts = await decisionCounts(database.db);
  const deadline = Date.now() + SIZE.decideTimeoutMs;
  const accepted = load.statuses['201'] ?? 0;
  while (counts.approved + counts.pendingReview < accepted && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    counts = await decisionCounts(database.db);
  }
  const decidedAt = Date.now();
  const cpu = cpuPer(meter.read(), counts.approved + counts.pendingReview, load.cpuMs);
  sampler.stop();
  const allDecided = counts.approved + counts.pendingReview >= accepted;
  results.rush = {
    submissions: requests.length,
    expected: { approved: kinds.match, pendingReview: kinds.mismatch + kinds.not_found },
    accepted,
    statuses: load.statuses,
    connections: CONNECTIONS,
    submitPerSecond: load.rps,
    latencyMs: load.latencyMs,
    submitSeconds: Math.round(load.durationMs / 100) / 10,
    decidedAfterLastSubmitSeconds: allDecided ? Math.round((decidedAt - lastSubmitAt) / 100) / 10 : null,
    decidedAfterFirstSubmitSeconds: allDecided ? Math.round((decidedAt - firstAt) / 100) / 10 : null,
    decidedPerSecond: allDecided ? Math.round(accepted / ((decidedAt - firstAt) / 1000)) : null,
    decided: counts,
    cpu,
    memoryMb: {
      apiIdle: idle.api,
      apiPeak: sampler.peak(stack.api.pid),
      workerIdle: idle.worker,
      workerPeak: sampler.peak(stack.worker.pid),
    },
  };
  log(`rush CPU per decided submission: service ${cpu.serviceMsPerUnit} ms (${JSON.stringify(cpu.serviceMs)} ms in all), machine ${cpu.machineMsPerUnit} ms, load client ${cpu.loadClientMs} ms in all`);
  log(`rush decided: ${JSON.stringify(counts)} ${allDecided ? `${results.rush.decidedAfterLastSubmitSeconds} s after the last submit` : 'NOT ALL DECIDED before the timeout'}`);
}

// ---------------------------------------------------------------- main

/** Wait until the bench's queues have nothing waiting, delayed or active (what the rush left: match jobs, family notifications). */
async function drainQueues(timeoutMs: number): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const started = Date.now();
  try {
    await waitFor(
      'queues drained',
      async () => {
        let busy = 0;
        for (const q of ['registry-match', 'notifications', 'digests', 'notices-fanout']) {
          const base = `${QUEUE_PREFIX}:${q}`;
          busy += (await redis.llen(`${base}:wait`)) + (await redis.llen(`${base}:active`)) + (await redis.zcard(`${base}:prioritized`));
        }
        return busy === 0;
      },
      timeoutMs,
      250,
    );
  } finally {
    redis.disconnect();
  }
  log(`queues drained in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function cleanRedis(): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${QUEUE_PREFIX}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function main(): Promise<number> {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const deadline = setTimeout(() => {
    log(`deadline of ${SIZE.deadlineMs / 1000} s passed: stopping`);
    killAll();
    process.exit(2);
  }, SIZE.deadlineMs);
  deadline.unref();

  const results: Results = {
    variant: SMALL ? 'small' : 'full',
    startedAt: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      postgres: '',
      redis: '',
      platform: `${os.type()} ${os.release()}`,
    },
  };
  const registry = new BenchRegistry(SIZE.registry);
  log(`${results.variant} run: database ${DB_NAME}, queue prefix ${QUEUE_PREFIX}, work dir ${path.relative(ROOT, WORK_DIR)}`);
  const database = await freshDatabase(BASE_DB_URL, DB_NAME);
  let stack: Awaited<ReturnType<typeof startStack>> | undefined;
  let fake: Service | undefined;
  try {
    results.machine.postgres = String((await database.db.execute('show server_version' as never) as unknown as { rows: { server_version: string }[] }).rows[0]?.server_version);
    const redisInfo = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const serverInfo = await redisInfo.info('server');
    results.machine.redis = /redis_version:(\S+)/.exec(serverInfo)?.[1] ?? '';
    redisPid = redisPidFromInfo(serverInfo);
    redisInfo.disconnect();

    if (ONLY.has('import') || ONLY.has('rush')) await benchImport(results, registry, database);
    if (ONLY.has('rush') || ONLY.has('fanout')) {
      const fakePort = await freePort();
      fake = startNode('fake-wechat', 'tools/fake-wechat/main.ts', { env: serviceEnv({ FAKE_WECHAT_PORT: String(fakePort) }), logDir: LOG_DIR });
      const fakeUrl = `http://127.0.0.1:${fakePort}`;
      await waitFor('fake WeChat', () => httpOk(`${fakeUrl}/__fake/health`), 30_000, 250);
      if (ONLY.has('rush')) {
        const koaGet = await floorKoaGet();
        log(`floor bare Koa GET: ${koaGet.rps} req/s, p99 ${koaGet.latencyMs.p99} ms`);
        const insertEnqueue = await floorInsertEnqueue();
        log(`floor insert+enqueue POST: ${insertEnqueue.rps} req/s, p99 ${insertEnqueue.latencyMs.p99} ms`);
        results.floors = { koaGet: pickLoad(koaGet), insertEnqueue: pickLoad(insertEnqueue) };
      }
      stack = await startStack(fakeUrl);
      if (ONLY.has('rush')) await benchRush(results, registry, database, stack);
      if (ONLY.has('fanout')) {
        await drainQueues(SMALL ? 60_000 : 300_000);
        const fanout: FanoutResult = await runFanout({
          database,
          fakeUrl,
          apiUrl: stack.apiUrl,
          recipients: SIZE.fanout,
          env: serviceEnv({ WECHAT_API_BASE: fakeUrl }),
          log,
          timeoutMs: SMALL ? 60_000 : 180_000,
          runLoad: runLoadClient,
        });
        results.fanout = fanout;
      }
    }
    if (ONLY.has('stats')) {
      results.consoleStats = await benchConsoleStats({
        baseDbUrl: BASE_DB_URL,
        dbName: DB_NAME,
        small: SMALL,
        keepDb: Boolean(args['keep-db']),
        redisUrl: REDIS_URL,
        queuePrefix: QUEUE_PREFIX,
        durationMs: SIZE.floorMs,
        log,
        runLoad: runLoadClient,
      });
    }
  } finally {
    await stack?.api.stop();
    await stack?.worker.stop();
    await fake?.stop();
    await database.close();
    await cleanRedis().catch((err: unknown) => log(`could not clean Redis keys ${QUEUE_PREFIX}:*: ${String(err)}`));
    if (!args['keep-db']) await dropDatabase(BASE_DB_URL, DB_NAME).catch((err: unknown) => log(`could not drop ${DB_NAME}: ${String(err)}`));
    if (!args['keep-db']) fs.rmSync(path.join(WORK_DIR), { recursive: true, force: true, maxRetries: 2 });
  }
  results.finishedAt = new Date().toISOString();
  const file = OWN_NAME ? path.join(ROOT, 'bench', '.work', `${DB_NAME}.results.json`) : path.join(ROOT, 'bench', SMALL ? 'results.small.json' : 'results.json');
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\n${printTable(results)}\n\nwritten: ${path.relative(ROOT, file)}\n`);
  return checkSane(results);
}

function pickLoad(r: LoadResult & { cpu?: CpuPerUnit }) {
  return { rps: r.rps, latencyMs: r.latencyMs, completed: r.completed, statuses: r.statuses, ...(r.cpu ? { cpu: r.cpu } : {}) };
}

/**
 * CPU of a window divided by the units of work done in it. The machine's figure
 * includes the load client; the service's does not (it is reported apart).
 */
function cpuPer(window: CpuWindow, units: number, loadClientMs: number): CpuPerUnit {
  const per = (ms: number) => (units > 0 ? Math.round((ms / units) * 100) / 100 : null);
  return {
    units,
    wallMs: window.wallMs,
    serviceMs: window.serviceMs,
    serviceMsPerUnit: per(window.serviceMs.total),
    machineMsPerUnit: per(window.machineMs),
    loadClientMs,
  };
}

/** Exit code: the benchmark ran and its own checks hold (not the targets: those are reported). */
function checkSane(results: Results): number {
  const problems: string[] = [];
  if (results.rush) {
    if (results.rush.accepted !== results.rush.submissions) problems.push(`only ${results.rush.accepted} of ${results.rush.submissions} submissions were accepted`);
    if (results.rush.decidedAfterLastSubmitSeconds === null) problems.push('not every submission was decided before the timeout');
    if (results.rush.decided.approved !== results.rush.expected.approved) problems.push(`approved ${results.rush.decided.approved}, expected ${results.rush.expected.approved}`);
  }
  if (results.fanout && results.fanout.delivered < results.fanout.recipients) problems.push(`fan-out delivered ${results.fanout.delivered} of ${results.fanout.recipients}`);
  if (results.consoleStats) {
    for (const route of [results.consoleStats.floor, ...results.consoleStats.routes]) if (route.non2xx > 0 || route.completed === 0) problems.push(`stats: ${route.route} answered ${route.non2xx} non-2xx of ${route.completed}`);
  }
  for (const p of problems) log(`CHECK FAILED: ${p}`);
  return problems.length ? 1 : 0;
}

process.once('SIGINT', () => {
  killAll();
  process.exit(130);
});
main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    killAll();
    process.exit(1);
  },
);
