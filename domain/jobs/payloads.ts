/**
 * Job payload contracts: what the outbox and the queues carry. Ids only, never
 * personal data or secrets (job data sits in Redis in plaintext).
 */
import { z } from 'zod';

export const QUEUE_NAMES = {
  registryMatch: 'registry-match',
} as const;

export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/** registry-match: compare one submitted profile version with the registry (学籍库). */
export const RegistryMatchJobSchema = z.object({ profileVersionId: z.uuid() });
export type RegistryMatchJob = z.infer<typeof RegistryMatchJobSchema>;

export interface JobPayloads {
  'registry-match': RegistryMatchJob;
}

export const JOB_PAYLOAD_SCHEMAS: { [Q in QueueName]: z.ZodType<JobPayloads[Q]> } = {
  'registry-match': RegistryMatchJobSchema,
};
