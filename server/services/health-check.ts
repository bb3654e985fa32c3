import type { HealthResponse } from '../../domain/api/health';
import type { AppContext } from '../context';
import { waitForRedis } from '../redis';

const CHECK_TIMEOUT_MS = 1_500;

export const SERVICE_VERSION = process.env.npm_package_version ?? '0.1.0';

async function timed(check: () => Promise<unknown>): Promise<HealthResponse['checks']['database']> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  } catch (err) {
    return { ok: false, latencyMs: null, error: err instanceof Error ? err.message.slice(0, 200) : 'unavailable' };
  } finally {
    clearTimeout(timer);
  }
}

/** Ask PostgreSQL and Redis for a round trip each, in parallel and bounded in time. */
export async function checkHealth(app: AppContext): Promise<HealthResponse> {
  const [database, redis] = await Promise.all([timed(() => app.database.ping()), timed(async () => {
      await waitForRedis(app.redis, CHECK_TIMEOUT_MS);
      await app.redis.ping();
    })]);
  return {
    status: database.ok && redis.ok ? 'ok' : 'degraded',
    version: SERVICE_VERSION,
    time: new Date().toISOString(),
    checks: { database, redis },
  };
}
