/**
 * Set-up of the fault tests: a PostgreSQL and a Redis of their own
 * (server/test/throwaway-*.ts: stopped and restarted freely, never the shared
 * ones), the fake WeChat in this process, a context of this process on them,
 * the worker process (`jobs/main.ts`, what `npm run worker` runs) as a child
 * that can be killed with SIGKILL, and families whose submissions match the
 * registry and who follow the official account (so each approval is one
 * WeChat template message, counted at the fake).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { loadConfig } from '../../config';
import { closeContext, createContext, type AppContext } from '../../server/context';
import { rowsOf } from '../../server/db/client';
import { auditLog, notifications, profileVersions, students } from '../../server/db/schema';
import { buildAccount, buildClass, buildRegistryRecord, buildSchool, buildSubmittedVersion, randomMobile, randomPersonName, randomStudentResidentId, type BuiltSubmission, type Class, type School } from '../../server/test/factories';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../server/test/throwaway-postgres';
import { startThrowawayRedis, type ThrowawayRedis } from '../../server/test/throwaway-redis';
import { startFakeWechat, type FakeWechat } from '../../tools/fake-wechat/fake-wechat-server';

const ROOT = path.resolve(__dirname, '..', '..');

export interface FaultEnv {
  pg: ThrowawayPostgres;
  redis: ThrowawayRedis;
  wechat: FakeWechat;
  /** Environment of every process of the system under test (this one's context and the worker child). */
  env: Record<string, string>;
  ctx: AppContext;
  close(): Promise<void>;
}

export async function startFaultEnv(): Promise<FaultEnv> {
  const [pg, redis, wechat] = await Promise.all([
    startThrowawayPostgres(),
    startThrowawayRedis(),
    startFakeWechat({ port: 0, appSecrets: { wxfault000000000mp: 'fault-mp-secret', wxfault000000000oa: 'fault-oa-secret' } }),
  ]);
  const env = {
    // The processes run as in production (relays and schedulers on): the databases are this test's alone.
    NODE_ENV: 'development',
    DATABASE_URL: pg.url,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: 'fault',
    DATABASE_POOL_MAX: '5',
    OUTBOX_POLL_MS: '50',
    // A killed worker's jobs are taken over within seconds (production: 30 s).
    WORKER_LOCK_MS: '2000',
    MATCH_CONCURRENCY: '10',
    NOTIFY_RATE_PER_S: '1000',
    WECHAT_API_BASE: wechat.url,
    WECHAT_MP_APPID: 'wxfault000000000mp',
    WECHAT_MP_SECRET: 'fault-mp-secret',
    WECHAT_OA_APPID: 'wxfault000000000oa',
    WECHAT_OA_SECRET: 'fault-oa-secret',
    SMS_PROVIDER: 'dev',
  };
  const ctx = await createContext(loadConfig({ ...process.env, ...env }));
  return {
    pg,
    redis,
    wechat,
    env,
    ctx,
    close: async () => {
      await closeContext(ctx).catch(() => undefined);
      await Promise.all([pg.close(), redis.close(), wechat.close()]);
    },
  };
}

export interface WorkerProcess {
  pid: number;
  /** kill -9, and wait until it is gone. */
  kill9(): Promise<void>;
  /** SIGTERM (graceful shutdown), and wait. */
  stop(): Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** `npm run worker` (jobs/main.ts) as a child process of this test, on the fault environment. */
export function startWorkerProcess(fault: FaultEnv): WorkerProcess {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'jobs', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...fault.env, LOG_LEVEL: process.env.LOG_LEVEL === 'silent' ? 'warn' : (process.env.LOG_LEVEL ?? 'warn') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    pid: child.pid!,
    exit,
    stderr: () => stderr,
    kill9: async () => {
      child.kill('SIGKILL');
      await exit;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string, intervalMs = 200, explain?: () => Promise<unknown>): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms: ${what}${explain ? `; ${JSON.stringify(await explain())}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface Classroom {
  school: School;
  klass: Class;
}

export async function classroom(ctx: AppContext): Promise<Classroom> {
  const school = await buildSchool(ctx.db);
  const teacher = await buildAccount(ctx.db, { role: 'teacher', schoolId: school.id });
  const klass = await buildClass(ctx.db, { schoolId: school.id, headTeacherId: teacher.id });
  return { school, klass };
}

/** A family following the official account, with a registry row its submission will match. */
export async function family(ctx: AppContext, room: Classroom) {
  const phone = randomMobile();
  const account = await buildAccount(ctx.db, {
    role: 'parent',
    wechatOaOpenid: `ofault${Math.random().toString(36).slice(2, 12)}`,
    phoneCipher: ctx.pii.encrypt(phone, 'accounts.phone'),
    phoneIndex: ctx.pii.blindIndex('phone', phone),
  });
  const residentId = randomStudentResidentId();
  const name = randomPersonName();
  await buildRegistryRecord(ctx, {
    residentId,
    name,
    schoolCode: room.school.code,
    schoolName: room.school.name,
    grade: room.klass.grade,
    className: room.klass.name,
    guardianPhones: [phone],
  });
  return { account, residentId, name };
}

/** The submission (version + outbox row in one transaction, as the submit use case writes them). */
export async function submit(ctx: AppContext, room: Classroom, f: Awaited<ReturnType<typeof family>>): Promise<BuiltSubmission> {
  return buildSubmittedVersion(ctx, { school: room.school, klass: room.klass, family: f.account, residentId: f.residentId, name: f.name });
}

export async function approvedCount(ctx: AppContext, versionIds: string[]): Promise<number> {
  if (versionIds.length === 0) return 0;
  const [row] = await ctx.db
    .select({ n: sql<number>`count(*)::int` })
    .from(profileVersions)
    .where(and(inArray(profileVersions.id, versionIds), eq(profileVersions.status, 'approved')));
  return row?.n ?? 0;
}

/**
 * What "decided exactly once, no duplicate messages" means, measured: one
 * auto-match audit row, one approval notification and one card number per
 * version, and per family exactly one template message at WeChat.
 */
export async function exactlyOnceReport(fault: FaultEnv, built: BuiltSubmission[]) {
  const versionIds = built.map((b) => b.version.id);
  const { ctx } = fault;
  const statuses = await ctx.db.select({ status: profileVersions.status }).from(profileVersions).where(inArray(profileVersions.id, versionIds));
  const audits = rowsOf<{ n: number }>(
    await ctx.db.execute(sql`select count(*)::int as n from ${auditLog} where ${auditLog.action} = 'review.auto_matched' and ${inArray(auditLog.subjectId, versionIds)} group by ${auditLog.subjectId}`),
  );
  const approvals = await ctx.db
    .select({ id: notifications.id })
    .from(notifications)
    .where(and(eq(notifications.kind, 'review.approved'), inArray(notifications.accountId, built.map((b) => b.family.id))));
  const cards = await ctx.db.select({ card: students.cardNumber }).from(students).where(inArray(students.id, built.map((b) => b.student.id)));
  const openids = new Set(built.map((b) => b.family.wechatOaOpenid!));
  const messages = fault.wechat.messages({ kind: 'template' }).filter((m) => openids.has(m.touser));
  const perOpenid = new Map<string, number>();
  for (const m of messages) perOpenid.set(m.touser, (perOpenid.get(m.touser) ?? 0) + 1);
  const deliveries = rowsOf<{ channel: string; status: string; n: number }>(
    await ctx.db.execute(sql`select d.channel, d.status, count(*)::int as n from message_deliveries d join notifications on notifications.id = d.notification_id where ${inArray(notifications.accountId, built.map((b) => b.family.id))} group by 1, 2`),
  );
  // The one relay: every outbox row of these submissions and of their messages handed over, and each message
  // queued by exactly one delivery job (written with its row), whatever was killed or restarted meanwhile.
  const approvalIds = approvals.map((a) => a.id);
  const relayRows = rowsOf<{ job: string; pending: number; per: number[] }>(
    await ctx.db.execute(sql`
      select coalesce(o.job, o.queue) as job, count(*) filter (where o.dispatched_at is null)::int as pending,
             array_agg(distinct per.n) as per
      from outbox o
      join lateral (select count(*)::int as n from outbox o2 where coalesce(o2.job, o2.queue) = coalesce(o.job, o.queue)
                    and (o2.payload->>'notificationId' = o.payload->>'notificationId' or o2.payload->>'profileVersionId' = o.payload->>'profileVersionId')) per on true
      where (o.queue = 'registry-match' and o.payload->>'profileVersionId' = any(${`{${versionIds.join(',')}}`}::text[]))
         or (o.job = 'deliver-notification' and o.payload->>'notificationId' = any(${`{${approvalIds.join(',')}}`}::text[]))
      group by 1 order by 1`),
  );
  const relay = Object.fromEntries(relayRows.map((r) => [r.job, { pending: r.pending, jobsPerSubject: r.per }]));
  return {
    relay,
    deliveries: deliveries.map((d) => `${d.channel}:${d.status}:${d.n}`).sort().join(' '),
    versions: statuses.length,
    approved: statuses.filter((s) => s.status === 'approved').length,
    auditRowsPerVersion: [...new Set(audits.map((a) => a.n))],
    versionsAudited: audits.length,
    approvalNotifications: approvals.length,
    distinctCardNumbers: new Set(cards.map((c) => c.card).filter(Boolean)).size,
    messages: messages.length,
    familiesMessaged: perOpenid.size,
    mostMessagesToOneFamily: Math.max(0, ...perOpenid.values()),
  };
}

export function expectedExactlyOnce(n: number) {
  return {
    // Nothing left in the outbox; one delivery job per message (the sweeper may re-queue a stuck match: at least one per version).
    relay: { 'registry-match': { pending: 0, jobsPerSubject: expect.any(Array) }, 'deliver-notification': { pending: 0, jobsPerSubject: [1] } },
    deliveries: expect.any(String),
    versions: n,
    approved: n,
    auditRowsPerVersion: [1],
    versionsAudited: n,
    approvalNotifications: n,
    distinctCardNumbers: n,
    messages: n,
    familiesMessaged: n,
    mostMessagesToOneFamily: 1,
  };
}

export async function messagesTo(fault: FaultEnv, built: BuiltSubmission[]): Promise<number> {
  const openids = new Set(built.map((b) => b.family.wechatOaOpenid!));
  return fault.wechat.messages({ kind: 'template' }).filter((m) => openids.has(m.touser)).length;
}
