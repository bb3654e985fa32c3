/**
 * The send pipeline of a process: at most `concurrency` sends in flight, rows
 * claimed in waves just ahead of their sends, a row held elsewhere not sent.
 */
import { eq } from 'drizzle-orm';
import { messageDeliveries } from '../../db/schema';
import type { Attempt } from './channels';
import { createMessagingHarness, type MessagingHarness } from './messaging-test-support';
import { SendPipeline } from './send-pipeline';

let h: MessagingHarness;

beforeAll(async () => {
  h = await createMessagingHarness();
});

afterAll(async () => {
  await h.close();
});

const unlimited = { take: async (wanted: number) => wanted };

function slowAttempt(track: { inFlight: number; most: number; sent: string[] }): Attempt {
  return {
    channel: 'template',
    templateId: 'tmpl',
    pagePath: null,
    fields: { thing1: { value: '测试' } },
    grantTemplateId: null,
    send: async (deliveryId) => {
      track.inFlight += 1;
      track.most = Math.max(track.most, track.inFlight);
      await new Promise((resolve) => setTimeout(resolve, 15));
      track.inFlight -= 1;
      track.sent.push(deliveryId);
      return `msg-${deliveryId}`;
    },
  };
}

test('When 24 sends are asked for at once, then at most 3 are in flight, each row is claimed once and sent once', async () => {
  const family = await h.recipient({ role: 'parent', oa: true });
  const ids = await Promise.all(Array.from({ length: 24 }, () => h.notification(family.id, 'review.digest', { count: 1 })));
  const track = { inFlight: 0, most: 0, sent: [] as string[] };
  const pipeline = new SendPipeline(h.ctx, unlimited, 3, 8);

  const results = await Promise.all(ids.map((notificationId) => pipeline.send({ notificationId, accountId: family.id, channel: 'template', attempt: slowAttempt(track) })));

  expect(results.map((r) => r.kind)).toEqual(ids.map(() => 'sent'));
  expect(track.most).toBe(3);
  expect(new Set(track.sent).size).toBe(24);
  for (const id of ids) {
    const rows = await h.ctx.db.select().from(messageDeliveries).where(eq(messageDeliveries.notificationId, id));
    expect(rows).toMatchObject([{ status: 'sending', attempts: 1, templateId: 'tmpl' }]);
  }
});

test('When another worker holds the row (a fresh claim), then the send is not made', async () => {
  const family = await h.recipient({ role: 'parent', oa: true });
  const id = await h.notification(family.id, 'review.digest', { count: 1 });
  await h.ctx.db.insert(messageDeliveries).values({ notificationId: id, accountId: family.id, channel: 'template', status: 'sending', attempts: 1 });
  const track = { inFlight: 0, most: 0, sent: [] as string[] };
  const pipeline = new SendPipeline(h.ctx, unlimited, 3, 8);

  const result = await pipeline.send({ notificationId: id, accountId: family.id, channel: 'template', attempt: slowAttempt(track) });

  expect(result).toEqual({ kind: 'not_claimed' });
  expect(track.sent).toEqual([]);
});

test('When the rate limiter cannot be reached, then nothing is claimed and the send reports it did not start', async () => {
  const family = await h.recipient({ role: 'parent', oa: true });
  const id = await h.notification(family.id, 'review.digest', { count: 1 });
  const pipeline = new SendPipeline(h.ctx, { take: async () => Promise.reject(new Error('Redis is down')) }, 3, 8);

  const result = await pipeline.send({ notificationId: id, accountId: family.id, channel: 'template', attempt: slowAttempt({ inFlight: 0, most: 0, sent: [] }) });

  expect(result).toMatchObject({ kind: 'not_started' });
  expect(await h.deliveries(id)).toEqual([]);
});
