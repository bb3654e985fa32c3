/**
 * The transactional outbox: background work is recorded in the same transaction
 * as the change that needs it, so a crash or a Redis outage can delay the work
 * but never lose it. jobs/outbox-relay moves the rows into BullMQ.
 */
import { JOB_PAYLOAD_SCHEMAS, type JobPayloads, type QueueName } from '../../domain/jobs/payloads';
import type { DbOrTx } from '../db/client';
import { outbox } from '../db/schema';

export async function writeOutbox<Q extends QueueName>(
  tx: DbOrTx,
  queue: Q,
  payload: JobPayloads[Q],
  options: { availableAt?: Date } = {},
): Promise<number> {
  const data = JOB_PAYLOAD_SCHEMAS[queue].parse(payload);
  const [row] = await tx
    .insert(outbox)
    .values({ queue, payload: data, ...(options.availableAt ? { availableAt: options.availableAt } : {}) })
    .returning({ id: outbox.id });
  return row!.id;
}

/** BullMQ job id of an outbox row (ids must not be digits only). */
export function outboxJobId(outboxId: number): string {
  return `outbox-${outboxId}`;
}
