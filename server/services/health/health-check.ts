import type { HealthResponse, LivenessResponse, ReadinessResponse } from '../../../domain/api/health';
import type { AppContext } from '../../context';
import { waitForRedis } from '../../redis';
import { countLiveWorkers } from './worker-heartbeat';

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

type HealthContext = Pick<AppContext, 'database' | 'redis' | 'config'>;

function checkDependencies(app: HealthContext) {
  return Promise.all([
    timed(() => app.database.ping()),
    timed(async () => {
      await waitForRedis(app.redis, CHECK_TIMEOUT_MS);
      await app.redis.ping();
    }),
  ]);
}

/** Ask PostgreSQL and Redis for a round trip each, in parallel and bounded in time. */
export async function checkHealth(app: HealthContext): Promise<HealthResponse> {
  const [database, redis] = await checkDependencies(app);
  return {
    status: database.ok && redis.ok ? 'ok' : 'degraded',
    version: SERVICE_VERSION,
    time: new Date().toISOString(),
    checks: { database, redis },
  };
}

/** The process is alive: answers without asking any dependency (a liveness probe must not restart a pod for a database outage). */
export function checkLiveness(): LivenessResponse {
  return { status: 'ok', version: SERVICE_VERSION, uptimeS: Math.round(process.uptime()) };
}

/**
 * Readiness: the database must answer (503 `unavailable` otherwise); Redis not
 * answering, or (with `workers`) no worker heartbeat, is `degraded` and still
 * ready — the API keeps taking submissions into the outbox without Redis.
 */
export async function checkReadiness(app: HealthContext, options: { workers?: boolean } = {}): Promise<{ httpStatus: 200 | 503; body: ReadinessResponse }> {
  const [database, redis] = await checkDependencies(app);
  let workers: ReadinessResponse['checks']['workers'];
  if (options.workers) {
    const alive = redis.ok ? await countLiveWorkers(app.redis, app.config.QUEUE_PREFIX).catch(() => null) : null;
    workers = { ok: (alive ?? 0) > 0, alive };
  }
  const status = !database.ok ? 'unavailable' : redis.ok && (workers?.ok ?? true) ? 'ok' : 'degraded';
  return {
    httpStatus: database.ok ? 200 : 503,
    body: { status, version: SERVICE_VERSION, time: new Date().toISOString(), checks: { database, redis, ...(workers ? { workers } : {}) } },
  };
}
