/**
 * Reads that may be a second stale go to a streaming replica, writes to the
 * primary. The test starts both: a throw-away primary (initdb, migrated) and a
 * replica of it (`pg_basebackup -R -X stream`, its own data directory and
 * port), and opens the context with DATABASE_URL and DATABASE_REPLICA_URL.
 * To tell which server answered, it pauses WAL replay on the replica: a school
 * added on the primary afterwards is then missing from the replica only.
 */
import request from 'supertest';
import { eq, sql } from 'drizzle-orm';
import { loadConfig } from '../../config';
import { closeContext, createContext, staleReads, type AppContext } from '../context';
import { createApp } from '../http/app';
import { createSession } from '../services/accounts/sessions';
import { buildAccount, buildSchool } from '../test/factories';
import { startThrowawayPostgres, startThrowawayReplica, type ThrowawayPostgres } from '../test/throwaway-postgres';
import { rowsOf } from './client';
import { schools } from './schema';

jest.setTimeout(90_000);

let primary: ThrowawayPostgres;
let replica: ThrowawayPostgres;
let ctx: AppContext;

beforeAll(async () => {
  primary = await startThrowawayPostgres();
  replica = await startThrowawayReplica(primary);
  ctx = await createContext(loadConfig({ ...process.env, DATABASE_URL: primary.url, DATABASE_REPLICA_URL: replica.url, QUEUE_PREFIX: `test-replica-${process.pid}`, DATABASE_POOL_MAX: '3' }));
});

afterAll(async () => {
  if (ctx) await closeContext(ctx);
  await replica?.close();
  await primary?.close();
});

const inRecovery = async (db: AppContext['db']) => rowsOf<{ r: boolean }>(await db.execute(sql`select pg_is_in_recovery() as r`))[0]!.r;
const replayPaused = async (paused: boolean) => {
  await ctx.readDb.execute(paused ? sql`select pg_wal_replay_pause()` : sql`select pg_wal_replay_resume()`);
};
const until = async (check: () => Promise<boolean>, what: string) => {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

test('The stale-tolerant reader is the replica (in recovery), the primary handle is not', async () => {
  expect(ctx.database.replica).toBe(true);
  expect(await inRecovery(ctx.db)).toBe(false);
  expect(await inRecovery(ctx.readDb)).toBe(true);
  expect(staleReads(ctx).db).toBe(ctx.readDb);
});

test('Writes through the reader reach the primary (insert, update, transaction), and the replica follows them', async () => {
  const school = await buildSchool(ctx.readDb, { name: '副本写入测试学校' });
  await ctx.readDb.update(schools).set({ name: '副本写入测试学校（改）' }).where(eq(schools.id, school.id));
  await ctx.readDb.transaction(async (tx) => {
    await tx.update(schools).set({ name: '副本写入测试学校（再改）' }).where(eq(schools.id, school.id));
  });
  const [onPrimary] = await ctx.db.select({ name: schools.name }).from(schools).where(eq(schools.id, school.id));
  expect(onPrimary?.name).toBe('副本写入测试学校（再改）');
  await until(async () => (await ctx.readDb.select({ name: schools.name }).from(schools).where(eq(schools.id, school.id)))[0]?.name === '副本写入测试学校（再改）', 'the replica to replay the write');
});

test('Given replay paused on the replica, when a school is added on the primary, then the school search (a stale-tolerant list) does not show it until replay resumes', async () => {
  const parent = await buildAccount(ctx.db, { role: 'parent' });
  const { token } = await createSession(ctx.db, ctx, { accountId: parent.id, channel: 'h5', meta: { ip: '127.0.0.1', requestId: 'replica', userAgent: null } });
  const app = createApp(ctx).callback();
  const search = async () => {
    const res = await request(app).get('/api/schools').query({ q: '副本暂停测试' }).set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    return (res.body.items as { name: string }[]).map((s) => s.name);
  };
  // The session (written a moment ago) is looked up on the primary: authentication never reads the replica.
  await replayPaused(true);
  try {
    await until(async () => rowsOf<{ p: boolean }>(await ctx.readDb.execute(sql`select pg_is_wal_replay_paused() as p`))[0]!.p, 'replay to pause');
    await buildSchool(ctx.db, { name: '副本暂停测试学校' });
    expect(await ctx.db.select({ id: schools.id }).from(schools).where(eq(schools.name, '副本暂停测试学校'))).toHaveLength(1);
    expect(await search()).toEqual([]);
  } finally {
    await replayPaused(false);
  }
  await until(async () => (await search()).includes('副本暂停测试学校'), 'the replica to catch up');
});
