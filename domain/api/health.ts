import { z } from 'zod';

/** One dependency's state in GET /api/health. */
export const DependencyCheckSchema = z.object({
  ok: z.boolean(),
  latencyMs: z.number().nonnegative().nullable(),
  error: z.string().optional(),
});

/** GET /api/health: 200 when every dependency answers, 503 otherwise. */
export const HealthResponseSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  time: z.string(),
  checks: z.object({
    database: DependencyCheckSchema,
    redis: DependencyCheckSchema,
  }),
});

export type HealthResponse = z.infer<typeof HealthResponseSchema>;

/** GET /api/health/live: the process answers (no dependency is asked). */
export const LivenessResponseSchema = z.object({
  status: z.literal('ok'),
  version: z.string(),
  uptimeS: z.number().nonnegative(),
});
export type LivenessResponse = z.infer<typeof LivenessResponseSchema>;

/**
 * GET /api/health/ready: 200 while the database answers — `ok`, or `degraded`
 * when Redis or the workers do not (submissions still go to the outbox) — and
 * 503 `unavailable` when the database does not.
 */
export const ReadinessResponseSchema = z.object({
  status: z.enum(['ok', 'degraded', 'unavailable']),
  version: z.string(),
  time: z.string(),
  checks: z.object({
    database: DependencyCheckSchema,
    redis: DependencyCheckSchema,
    /** Worker processes with a fresh heartbeat in Redis (null when Redis does not answer). */
    workers: z.object({ ok: z.boolean(), alive: z.number().int().nonnegative().nullable() }).optional(),
  }),
});
export type ReadinessResponse = z.infer<typeof ReadinessResponseSchema>;
