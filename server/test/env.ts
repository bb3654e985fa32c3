/**
 * Environment of every jest worker: the test PostgreSQL database prepared by
 * global-setup.ts, the local Redis, and quiet logs.
 */
process.env.NODE_ENV = 'test';
process.env.DATABASE_URL ??= process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/educard_test';
process.env.REDIS_URL ??= process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
process.env.LOG_LEVEL ??= 'silent';
