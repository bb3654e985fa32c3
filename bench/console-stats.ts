/**
 * The `stats` part of `npm run bench`: the console's statistics routes on a
 * province-sized data set — 1,000,000 students across 2,000 schools (13
 * cities, 10 districts each, 25 classes per school; --small: 20,000 across
 * 100) — in a database of its own, loaded with generate_series in a few
 * statements (triggers and foreign-key checks off for the load: it is
 * generated consistent). The aggregates are then built by the console's own
 * rebuild (rebuildSchoolStats, what the console-stats worker runs per class),
 * timed; and each statistics route is driven over HTTP by the load client with
 * a few operators' connections for a while, p50/p95/p99 beside a floor from the
 * same run and the same stack: GET /api/console/me (authentication and one
 * indexed look-up). Target: p95 ≤ 300 ms.
 */
import http from 'node:http';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../config';
import { closeContext, createContext } from '../server/context';
import { rowsOf, type Database } from '../server/db/client';
import { createApp } from '../server/http/app';
import { createSession } from '../server/services/accounts/sessions';
import { rebuildSchoolStats } from '../server/services/console/console-stats';
import type { LoadResult, LoadSpec } from './load-client';
import { freePort } from './processes';
import { databaseUrlFor, dropDatabase, freshDatabase } from './setup';

export interface StatsRouteFigures {
  route: string;
  rps: number;
  completed: number;
  non2xx: number;
  latencyMs: LoadResult['latencyMs'];
}

export interface ConsoleStatsResult {
  students: number;
  schools: number;
  classes: number;
  loadSeconds: number;
  rebuildSeconds: number;
  connections: number;
  floor: StatsRouteFigures;
  routes: StatsRouteFigures[];
  targetP95Ms: number;
  worstP95Ms: number;
}

export interface ConsoleStatsOptions {
  baseDbUrl: string;
  dbName: string;
  small: boolean;
  keepDb: boolean;
  redisUrl: string;
  queuePrefix: string;
  durationMs: number;
  log(msg: string): void;
  runLoad(spec: LoadSpec, name: string): Promise<LoadResult>;
}

export const STATS_TARGET_P95_MS = 300;
const CITIES = 13;
const DISTRICTS_PER_CITY = 10;
const GRADES = ['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'J1', 'J2', 'J3'];

/** One statement per table, all in one transaction whose triggers (the stats outbox, foreign keys) are off. */
async function load(database: Database, size: { schools: number; classesPerSchool: number; students: number }): Promise<void> {
  const { schools, classesPerSchool, students } = size;
  const classes = schools * classesPerSchool;
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    // Deterministic ids that are valid version-4 UUIDs (the API's schemas check the version and variant).
    await tx.execute(sql`create function bench_uuid(text) returns uuid language sql immutable as $$ select overlay(overlay(md5($1) placing '4' from 13) placing '8' from 17)::uuid $$`);
    await tx.execute(sql`
      insert into schools (id, code, name, city_code, city_name, district_code, district_name)
      select bench_uuid('school' || i), lpad(i::text, 10, '0'), '基准学校' || i,
             '32' || lpad((1 + i % ${CITIES})::text, 2, '0') || '00', '基准市' || (1 + i % ${CITIES}),
             '32' || lpad((1 + i % ${CITIES})::text, 2, '0') || lpad((1 + (i / ${CITIES}) % ${DISTRICTS_PER_CITY})::text, 2, '0'),
             '基准区' || (1 + (i / ${CITIES}) % ${DISTRICTS_PER_CITY})
        from generate_series(0, ${schools - 1}) as i`);
    await tx.execute(sql`
      insert into classes (id, school_id, grade, name)
      select bench_uuid('class' || c), bench_uuid('school' || (c / ${classesPerSchool})),
             (${`{${GRADES.join(',')}}`}::text[])[1 + (c % ${classesPerSchool}) % ${GRADES.length}],
             (1 + (c % ${classesPerSchool}) / ${GRADES.length}) || '班'
        from generate_series(0, ${classes - 1}) as c`);
    await tx.execute(sql`insert into accounts (id, role, status) values (bench_uuid('bench-teacher'), 'teacher', 'active')`);
    // Two children per family.
    await tx.execute(sql`
      insert into accounts (id, role, status)
      select bench_uuid('family' || f), 'parent', 'active' from generate_series(0, ${Math.ceil(students / 2) - 1}) as f`);
    // Status by i % 20: 1 draft, 2 pending_review, 1 returned, 1 reconfirm_required, 15 approved (3 of them by a teacher).
    await tx.execute(sql`
      insert into profile_versions (id, student_id, version, status, data, pii_cipher, resident_id_index, school_id, class_id, grade,
                                    reviewed_by, submitted_by, submitted_at, status_changed_at, decided_at)
      select bench_uuid('version' || i), bench_uuid('student' || i), 1,
             case when i % 20 in (1, 2) then 'pending_review' when i % 20 = 3 then 'returned' when i % 20 = 4 then 'reconfirm_required' else 'approved' end,
             '{}'::jsonb, 'bench', md5('id' || i), bench_uuid('school' || ((i % ${classes}) / ${classesPerSchool})), bench_uuid('class' || (i % ${classes})), 'P1',
             case when i % 20 in (5, 6, 7) then bench_uuid('bench-teacher') end, bench_uuid('family' || (i / 2)),
             now() - (i % 2000) * interval '1 minute', now() - (i % 1000) * interval '1 minute', now()
        from generate_series(0, ${students - 1}) as i where i % 20 <> 0`);
    await tx.execute(sql`
      insert into students (id, family_account_id, class_id, status, current_version_id, approved_version_id, card_number, resident_id_index)
      select bench_uuid('student' || i), bench_uuid('family' || (i / 2)), bench_uuid('class' || (i % ${classes})),
             case when i % 20 = 0 then 'draft' when i % 20 in (1, 2) then 'pending_review' when i % 20 = 3 then 'returned'
                  when i % 20 = 4 then 'reconfirm_required' else 'approved' end,
             case when i % 20 <> 0 then bench_uuid('version' || i) end,
             case when i % 20 >= 4 then bench_uuid('version' || i) end,
             case when i % 20 >= 4 then 'BENCH' || lpad(i::text, 9, '0') end,
             md5('id' || i)
        from generate_series(0, ${students - 1}) as i`);
  });
  await database.db.execute(sql`analyze`);
}

export async function benchConsoleStats(options: ConsoleStatsOptions): Promise<ConsoleStatsResult> {
  const size = options.small ? { schools: 100, classesPerSchool: 10, students: 20_000 } : { schools: 2_000, classesPerSchool: 25, students: 1_000_000 };
  const name = `${options.dbName}_stats`;
  const database = await freshDatabase(options.baseDbUrl, name);
  let started = Date.now();
  await load(database, size);
  const loadSeconds = Math.round((Date.now() - started) / 100) / 10;
  options.log(`stats: loaded ${size.students.toLocaleString('en-US')} students, ${size.schools} schools, ${size.schools * size.classesPerSchool} classes in ${loadSeconds} s`);

  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'development',
    DATABASE_URL: databaseUrlFor(options.baseDbUrl, name),
    DATABASE_POOL_MAX: '10',
    REDIS_URL: options.redisUrl,
    QUEUE_PREFIX: `${options.queuePrefix}-stats`,
    LOG_LEVEL: 'warn',
    SMS_PROVIDER: 'dev',
  });
  const ctx = await createContext(config, { database });
  const server = http.createServer(createApp(ctx).callback());
  try {
    const schoolIds = rowsOf<{ id: string }>(await ctx.db.execute(sql`select id from schools order by id`)).map((r) => r.id);
    started = Date.now();
    await rebuildSchoolStats(ctx, schoolIds);
    const rebuildSeconds = Math.round((Date.now() - started) / 100) / 10;
    const [check] = rowsOf<{ registered: number }>(await ctx.db.execute(sql`select sum(registered)::int as registered from console_school_stats`));
    if (Number(check?.registered) !== size.students) throw new Error(`stats: the aggregates count ${check?.registered} students, expected ${size.students}`);
    options.log(`stats: aggregates rebuilt in ${rebuildSeconds} s (${Number(check!.registered).toLocaleString('en-US')} students counted)`);

    const [operator] = rowsOf<{ id: string }>(await ctx.db.execute(sql`insert into accounts (role, status, username, username_key) values ('operator', 'active', 'bench_operator', 'bench_operator') returning id`));
    const { token } = await createSession(ctx.db, ctx, { accountId: operator!.id, channel: 'console', meta: { ip: '127.0.0.1', requestId: 'bench', userAgent: null } });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const headers = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
    const connections = 4;
    const drive = async (label: string, path: string): Promise<StatsRouteFigures> => {
      const result = await options.runLoad(
        { host: '127.0.0.1', port, connections, repeat: { request: { method: 'GET', path, headers }, durationMs: options.durationMs, warmupMs: 500 }, timeoutMs: options.durationMs + 60_000 },
        `stats-${label}`,
      );
      const non2xx = Object.entries(result.statuses).filter(([s]) => !s.startsWith('2')).reduce((n, [, c]) => n + c, 0);
      if (non2xx > 0) options.log(`stats: ${label} answered non-2xx: ${result.samples.slice(0, 2).join(' | ')}`);
      const figures = { route: `GET ${path.replace(/[0-9a-f-]{36}/, ':schoolId')}`, rps: result.rps, completed: result.completed, non2xx, latencyMs: result.latencyMs };
      options.log(`stats: ${figures.route}: ${figures.rps}/s, p50 ${figures.latencyMs.p50} ms, p95 ${figures.latencyMs.p95} ms, p99 ${figures.latencyMs.p99} ms`);
      return figures;
    };
    const floor = await drive('floor-me', '/api/console/me');
    const aSchool = schoolIds[Math.floor(schoolIds.length / 2)]!;
    const routes = [
      await drive('overview-province', '/api/console/overview'),
      await drive('overview-city', '/api/console/overview?cityCode=320100'),
      await drive('overview-district', '/api/console/overview?districtCode=320101'),
      await drive('schools-by-pending', '/api/console/schools?sort=pendingReview&order=desc&pageSize=20'),
      await drive('school-funnel', `/api/console/schools/${aSchool}/funnel`),
      await drive('school-classes', `/api/console/schools/${aSchool}/classes?sort=oldestPending&order=asc&pageSize=20`),
    ];
    return {
      students: size.students,
      schools: size.schools,
      classes: size.schools * size.classesPerSchool,
      loadSeconds,
      rebuildSeconds,
      connections,
      floor,
      routes,
      targetP95Ms: STATS_TARGET_P95_MS,
      worstP95Ms: Math.max(...routes.map((r) => r.latencyMs.p95)),
    };
  } finally {
    await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
    await closeContext(ctx);
    if (!options.keepDb) await dropDatabase(options.baseDbUrl, name);
  }
}
