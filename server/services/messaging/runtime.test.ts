/**
 * The messaging runtime belongs to the context: createContext builds one per
 * process (every delivery of the context shares its send slots and recorder),
 * and a test passes the parts it wants instead through createContext.
 */
import { createMessagingHarness, type MessagingHarness } from './messaging-test-support';
import { deliverNotification } from './deliver';
import type { SendRequest, SendResult } from './send-pipeline';

let h: MessagingHarness;
let overridden: MessagingHarness;
const asked: SendRequest[] = [];

beforeAll(async () => {
  h = await createMessagingHarness();
  overridden = await createMessagingHarness(
    {},
    {
      messaging: {
        // A pipeline that claims nothing: as if another worker held every row.
        sendPipeline: {
          send: async (request: SendRequest): Promise<SendResult> => {
            asked.push(request);
            return { kind: 'not_claimed' };
          },
        },
      },
    },
  );
});

afterAll(async () => {
  await Promise.all([h.close(), overridden.close()]);
});

test('Each context builds its own runtime, which delivery uses', async () => {
  expect(h.ctx.messaging.sendPipeline).not.toBe(overridden.ctx.messaging.sendPipeline);
  expect(h.ctx.messaging.recorder).not.toBe(overridden.ctx.messaging.recorder);
  const family = await h.recipient({ role: 'parent', oa: true });
  const id = await h.notification(family.id, 'review.approved', { studentNameMasked: '王**', cardNumber: 'JY3226000001234X' });
  await expect(deliverNotification(h.ctx, id)).resolves.toMatchObject({ outcome: 'sent', channel: 'template' });
  expect(h.fake.messages({ touser: family.wechatOaOpenid! })).toHaveLength(1);
});

test('When a test passes a send pipeline to createContext, then delivery sends through it and nothing reaches WeChat', async () => {
  const family = await overridden.recipient({ role: 'parent', oa: true });
  const id = await overridden.notification(family.id, 'review.approved', { studentNameMasked: '王**', cardNumber: 'JY3226000001234X' });

  await expect(deliverNotification(overridden.ctx, id)).rejects.toThrow(/claimed by another worker/);

  expect(asked.map((r) => [r.notificationId, r.channel])).toEqual([[id, 'template']]);
  expect(overridden.fake.messages()).toHaveLength(0);
  // The parts not passed are built as usual.
  expect(overridden.ctx.messaging.recorder).toBeDefined();
});
