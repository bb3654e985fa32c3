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
