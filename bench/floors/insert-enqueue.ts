/**
 * Floor: the least a submission can cost — a Koa POST that parses a JSON body,
 * inserts one row (pg pool of DATABASE_POOL_MAX, like the API) and adds one
 * BullMQ job, no validation, no transaction, no auth. PORT, DATABASE_URL,
 * REDIS_URL and QUEUE_PREFIX from the environment; the table is the bench's own.
 */
import http from 'node:http';
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import { Queue } from 'bullmq';
import { Pool } from 'pg';
import { createRedis } from '../../server/redis';

async function main(): Promise<void> {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_MAX ?? 10) });
  await pool.query('create table if not exists bench_floor_items (id bigserial primary key, payload jsonb not null, created_at timestamptz not null default now())');
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'producer');
  const queue = new Queue('bench-floor', { connection: redis, prefix: process.env.QUEUE_PREFIX, defaultJobOptions: { removeOnComplete: true } });
  const koa = new Koa();
  koa.use(bodyParser());
  koa.use(async (ctx) => {
    const { rows } = await pool.query<{ id: string }>('insert into bench_floor_items (payload) values ($1) returning id', [ctx.request.body]);
    await queue.add('item', { id: rows[0]!.id }, { jobId: `item-${rows[0]!.id}` });
    ctx.status = 201;
    ctx.body = { id: rows[0]!.id };
  });
  const server = http.createServer(koa.callback());
  server.keepAliveTimeout = 5_000;
  server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('floor insert-enqueue listening'));
  process.once('SIGTERM', () => {
    server.close(() => {
      void Promise.all([queue.close(), pool.end()]).finally(() => {
        redis.disconnect();
        process.exit(0);
      });
    });
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
