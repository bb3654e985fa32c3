import { HealthResponseSchema, type HealthResponse } from '../../../domain/api/health'
import { AppError } from '../../../domain/errors'
import { api } from './api-client'

/**
 * The state of the back end as the home page shows it:
 * - `ok`: GET /api/health answered 200, every dependency is up;
 * - `degraded`: it answered 503 with a HealthResponse (status 'degraded'), the
 *   per-dependency result tells which one is down;
 * - `unreachable`: no usable answer (network failure, or an error that is not a
 *   health report); `error` carries the Chinese message.
 */
export type ServiceHealth =
  | { kind: 'ok'; health: HealthResponse }
  | { kind: 'degraded'; health: HealthResponse }
  | { kind: 'unreachable'; error: AppError }

export async function fetchServiceHealth(): Promise<ServiceHealth> {
  try {
    const { data } = await api.getWithStatus('/api/health', HealthResponseSchema, {
      acceptStatuses: [503],
    })
    const allUp = data.status === 'ok' && data.checks.database.ok && data.checks.redis.ok
    return allUp ? { kind: 'ok', health: data } : { kind: 'degraded', health: data }
  } catch (err) {
    return {
      kind: 'unreachable',
      error: err instanceof AppError ? err : new AppError('INTERNAL', { cause: err }),
    }
  }
}
