/**
 * Delivery jobs in the tests of jobs/: made as in production (an outbox row
 * relayed by the one relay), with the relay scoped to the test's own rows of
 * the shared database.
 */
import type { SQL } from 'drizzle-orm';
import { outboxJobId, writeDeliveries } from '../../server/outbox/outbox';
import type { TestContext } from '../../server/test/context';
import { OutboxRelay, relayOnce } from '../outbox-relay/outbox-relay';

/** Write the row's deliver-notification outbox row and relay it (only it); resolves with the BullMQ job id. */
export async function deliveryJob(ctx: TestContext, notificationId: string): Promise<string> {
  const [outboxId] = await writeDeliveries(ctx.db, [notificationId]);
  await relayOnce(ctx, { onlyIds: [outboxId!] });
  return outboxJobId(outboxId!);
}

/** A running relay of the outbox rows matching `where` (see messagingJobsOf); stop it at the end of the test. */
export function scopedRelay(ctx: TestContext, where: SQL): OutboxRelay {
  const relay = new OutboxRelay(ctx, { where, pollMs: 20 });
  relay.start();
  return relay;
}
