/**
 * Notice fan-out: a school administrator publishes one notice (POST /api/notices)
 * to the classes of N approved students, each of a family whose account has a
 * mini-program openid and one subscribe grant for the notice template; the
 * fan-out worker resolves the recipients and queues one message per family, the
 * notifications workers send them to the fake WeChat. Measured: from the POST
 * until every message_deliveries row is sent (the fake accepted it), checked
 * against the fake's own record. Floor: the fake's accept rate for
 * subscribe/send, blasted directly with the same load client.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../config';
import type { Database } from '../server/db/client';
import { rowsOf } from '../server/db/client';
import { accounts, classes, schools, sessions, students, subscriptionGrants } from '../server/db/schema';
import { newToken } from '../server/security/tokens';
import { SESSION_TTL_MS, sessionTokenHash } from '../server/services/accounts/sessions';
import type { LoadResult, LoadSpec } from './load-client';

export interface FanoutResult {
  recipients: number;
  classes: number;
  /** message_deliveries sent when the run stopped waiting. */
  delivered: number;
  /** What the fake recorded for this notice's recipients. */
  fakeRecorded: number;
  /** From the POST /api/notices until the last delivery was sent; null when not all were. */
  deliveredSeconds: number | null;
  publishMs: number;
  floorAcceptPerSecond: number | null;
  notifyRatePerSecond: number;
  notifyConcurrency: number;
  note?: string;
}

export interface FanoutOptions {
  database: Database;
  fakeUrl: string;
  apiUrl: string;
  recipients: number;
  env: Record<string, string>;
  log: (msg: string) => void;
  timeoutMs: number;
  runLoad: (spec: LoadSpec, name: string) => Promise<LoadResult>;
}

const CLASS_COUNT = 50;

export async function runFanout(options: FanoutOptions): Promise<FanoutResult> {
  const { db } = options.database;
  const cfg = loadConfig(options.env);
  const n = options.recipients;
  const classCount = Math.min(CLASS_COUNT, Math.max(1, Math.ceil(n / 60)));

  // ---- data: a school, its classes, an administrator with a session, N families with an approved student each
  const [school] = await db.insert(schools).values({ code: `5${String(Date.now()).slice(-9)}`, name: '基准测试通知学校' }).returning();
  const klasses = await db
    .insert(classes)
    .values(Array.from({ length: classCount }, (_, c) => ({ schoolId: school!.id, grade: 'P4', name: `${c + 1}班` })))
    .returning({ id: classes.id });
  const [admin] = await db
    .insert(accounts)
    .values({ role: 'school_admin', username: 'bench_admin', usernameKey: 'bench_admin', displayName: '王老师', schoolId: school!.id, status: 'active' })
    .returning({ id: accounts.id });
  const adminToken = newToken();
  await db.insert(sessions).values({
    accountId: admin!.id,
    tokenHash: sessionTokenHash({ config: cfg }, adminToken),
    channel: 'h5',
    expiresAt: new Date(Date.now() + SESSION_TTL_MS),
  });
  for (let start = 0; start < n; start += 1_000) {
    const size = Math.min(1_000, n - start);
    await db.transaction(async (tx) => {
      const fams = await tx
        .insert(accounts)
        .values(Array.from({ length: size }, (_, j) => ({ role: 'parent' as const, username: `bench_fan_${start + j}`, usernameKey: `bench_fan_${start + j}`, wechatMpOpenid: `o-bench-fan-${start + j}`, status: 'active' as const })))
        .returning({ id: accounts.id });
      await tx.insert(students).values(
        fams.map((f, j) => ({ familyAccountId: f.id, classId: klasses[(start + j) % classCount]!.id, status: 'approved', approvedVersionId: randomUUID() })),
      );
      await tx.insert(subscriptionGrants).values(fams.map((f) => ({ accountId: f.id, templateId: cfg.WECHAT_SUBSCRIBE_NOTICE, available: 1, lastResult: 'accept' })));
    });
  }
  options.log(`fan-out setup: ${n} families in ${classCount} classes`);

  // ---- floor: the fake's accept rate for subscribe/send
  const tokenRes = await fetch(`${options.fakeUrl}/cgi-bin/stable_token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credential', appid: cfg.WECHAT_MP_APPID, secret: cfg.WECHAT_MP_SECRET }),
  });
  const { access_token: token } = (await tokenRes.json()) as { access_token: string };
  const url = new URL(options.fakeUrl);
  const floorBody = JSON.stringify({
    touser: 'o-bench-floor',
    template_id: cfg.WECHAT_SUBSCRIBE_NOTICE,
    page: 'pages/index/index',
    miniprogram_state: 'formal',
    lang: 'zh_CN',
    data: { thing1: { value: '基准测试通知' }, phrase2: { value: '通知' }, thing3: { value: '四年级1班' }, time4: { value: '2026-01-01 12:00' } },
  });
  const probe = (await (await fetch(`${options.fakeUrl}/cgi-bin/message/subscribe/send?access_token=${token}`, { method: 'POST', body: floorBody })).json()) as { errcode: number };
  if (probe.errcode !== 0) throw new Error(`the fake refused the floor message: ${JSON.stringify(probe)}`);
  const floor = await options.runLoad(
    {
      host: url.hostname,
      port: Number(url.port),
      connections: 10,
      repeat: {
        request: { method: 'POST', path: `/cgi-bin/message/subscribe/send?access_token=${token}`, headers: { 'Content-Type': 'application/json' }, body: floorBody },
        durationMs: 2_000,
        warmupMs: 300,
      },
      timeoutMs: 30_000,
    },
    'floor-fake-accept',
  );
  options.log(`floor fake accepts: ${floor.rps}/s (p99 ${floor.latencyMs.p99} ms)`);

  // ---- publish, then wait for every delivery
  const started = Date.now();
  const res = await fetch(`${options.apiUrl}/api/notices`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ type: '通知', title: '期末家长会通知', body: '请各位家长于周五下午三点到校参加家长会。', classIds: klasses.map((k) => k.id), requiresConfirmation: true }),
  });
  const publishMs = Date.now() - started;
  if (res.status !== 201) throw new Error(`POST /api/notices answered ${res.status}: ${await res.text()}`);
  const { id: noticeId } = (await res.json()) as { id: string };

  // Polled often, so cheap (an index range of the notice, not a join over every delivery row, which would
  // compete with the run it measures): the recipients marked delivered, set with the delivery row marked sent.
  const recipientsDelivered = async () =>
    Number(
      rowsOf<{ n: string }>(
        await db.execute(sql`select count(*) as n from notice_recipients where notice_id = ${noticeId} and delivered_at is not null`),
      )[0]!.n,
    );
  // Checked once at the end: the delivery rows of the notice's messages that are sent.
  const sentCount = async () =>
    Number(
      rowsOf<{ n: string }>(
        await db.execute(sql`
          select count(*) as n from message_deliveries d join notifications m on m.id = d.notification_id
          where d.status = 'sent' and m.dedup_key like ${`notice.published:${noticeId}:%`}`),
      )[0]!.n,
    );
  const until = started + options.timeoutMs;
  while (Date.now() < until && (await recipientsDelivered()) < n) await new Promise((r) => setTimeout(r, 50));
  const doneMs = Date.now() - started;
  const delivered = await sentCount();
  const fakeMessages = (await (await fetch(`${options.fakeUrl}/__fake/messages?kind=subscribe`)).json()) as { messages: { touser: string }[] };
  const fakeRecorded = fakeMessages.messages.filter((m) => m.touser.startsWith('o-bench-fan-')).length;
  options.log(`fan-out: ${delivered} of ${n} sent in ${doneMs} ms (fake recorded ${fakeRecorded})`);
  return {
    recipients: n,
    classes: classCount,
    delivered,
    fakeRecorded,
    deliveredSeconds: delivered >= n ? Math.round(doneMs / 100) / 10 : null,
    publishMs,
    floorAcceptPerSecond: floor.rps,
    notifyRatePerSecond: cfg.NOTIFY_RATE_PER_S,
    notifyConcurrency: cfg.NOTIFY_CONCURRENCY,
  };
}
