/**
 * Shared set-up of the messaging tests: a test context whose WeChat client
 * talks over HTTP to the fake WeChat server (tools/fake-wechat, port 0), the
 * development SMS provider, and builders of recipients with the identities a
 * channel needs (official-account openid, mini-program openid + grants, phone).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { eq, inArray, sql, type SQL } from 'drizzle-orm';
import { startFakeWechat, type FakeWechat } from '../../../tools/fake-wechat/fake-wechat-server';
import type { VariableName } from '../../../config';
import type { AccountRole } from '../../../domain/api/auth';
import { messageDeliveries, notifications, outbox, subscriptionGrants } from '../../db/schema';
import { encryptPhone } from '../accounts/account-view';
import { buildAccount, type Account } from '../../test/factories';
import type { ContextOptions } from '../../context';
import { createTestContext, type TestContext } from '../../test/context';

export const MP_APPID = 'wxmsg000000000mp';
export const OA_APPID = 'wxmsg000000000oa';

export interface MessagingHarness {
  ctx: TestContext;
  fake: FakeWechat;
  /** An account with the given identities (random openids; phone when `phone: true`). */
  recipient(options: RecipientOptions): Promise<Account & { phone: string | null }>;
  /** Insert a notification row without its delivery job (the test writes and relays it: jobs/notifications/delivery-test-support.ts). */
  notification(accountId: string, kind: string, data: Record<string, unknown>, pagePath?: string | null): Promise<string>;

  deliveries(notificationId: string): Promise<(typeof messageDeliveries.$inferSelect)[]>;
  grants(accountId: string): Promise<(typeof subscriptionGrants.$inferSelect)[]>;
  close(): Promise<void>;
}

export interface RecipientOptions {
  role: AccountRole;
  oa?: boolean;
  mp?: boolean;
  phone?: boolean;
  /** Unused subscribe grants per template id. */
  grants?: Record<string, number>;
  schoolId?: string;
}

export function randomOpenid(prefix: string): string {
  return `${prefix}_${randomBytes(10).toString('base64url')}`;
}

export async function createMessagingHarness(env: Partial<Record<VariableName, string>> = {}, options: ContextOptions = {}): Promise<MessagingHarness> {
  const fake = await startFakeWechat({ port: 0, appSecrets: { [MP_APPID]: 'msg-mp-secret', [OA_APPID]: 'msg-oa-secret' } });
  const ctx = await createTestContext({
    SMS_PROVIDER: 'dev',
    WECHAT_API_BASE: fake.url,
    WECHAT_MP_APPID: MP_APPID,
    WECHAT_MP_SECRET: 'msg-mp-secret',
    WECHAT_OA_APPID: OA_APPID,
    WECHAT_OA_SECRET: 'msg-oa-secret',
    NOTIFY_RATE_PER_S: '2000',
    NOTIFY_QUOTA_RETRY_MS: '300',
    DIGEST_WINDOW_S: '1',
    ...env,
  }, options);
  return {
    ctx,
    fake,
    async recipient(options) {
      const phone = options.phone ? `139${String(randomInt(0, 100_000_000)).padStart(8, '0')}` : null;
      const account = await buildAccount(ctx.db, {
        role: options.role,
        ...(options.schoolId ? { schoolId: options.schoolId } : {}),
        ...(options.oa ? { wechatOaOpenid: randomOpenid('oa') } : {}),
        ...(options.mp ? { wechatMpOpenid: randomOpenid('mp') } : {}),
        ...(phone ? encryptPhone(ctx, phone) : {}),
      });
      const grants = Object.entries(options.grants ?? {});
      if (grants.length > 0) {
        await ctx.db.insert(subscriptionGrants).values(grants.map(([templateId, available]) => ({ accountId: account.id, templateId, available, lastResult: 'accept' })));
      }
      return Object.assign(account, { phone });
    },
    async notification(accountId, kind, data, pagePath = null) {
      const [row] = await ctx.db
        .insert(notifications)
        .values({ accountId, kind, data, pagePath, dedupKey: `test:${kind}:${randomBytes(8).toString('hex')}` })
        .returning({ id: notifications.id });
      return row!.id;
    },

    deliveries: (notificationId) => ctx.db.select().from(messageDeliveries).where(eq(messageDeliveries.notificationId, notificationId)).orderBy(messageDeliveries.createdAt),
    grants: (accountId) => ctx.db.select().from(subscriptionGrants).where(inArray(subscriptionGrants.accountId, [accountId])),
    async close() {
      await ctx.cleanup();
      await fake.close();
    },
  };
}

/** Wait until a job of the notifications queue has completed or failed; resolves with that state. */
export function notificationJobSettled(h: MessagingHarness, jobId: string, timeoutMs = 10_000): Promise<string> {
  return waitFor(
    async () => {
      const state = await h.ctx.queues.notifications.getJobState(jobId);
      return state === 'completed' || state === 'failed' ? state : undefined;
    },
    timeoutMs,
    `job ${jobId}`,
  );
}

/** Poll until `check` returns a value other than undefined/false, or fail after timeoutMs. */
export async function waitFor<T>(check: () => Promise<T | undefined | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * The outbox rows of the delivery jobs of notifications matching `where` (a condition on `notifications`), and of
 * the digests of teachers among their recipients: what a messaging test relays of a shared database. The
 * notifications are looked up once per statement (uncorrelated sub-queries), not once per outbox row.
 */
export function messagingJobsOf(where: SQL): SQL {
  const ids = sql`array(select ${notifications.id}::text from ${notifications} where ${where})`;
  const accounts = sql`array(select ${notifications.accountId}::text from ${notifications} where ${where})`;
  return sql`((${outbox.queue} = 'notifications' and (${outbox.payload}->>'notificationId' = any(${ids}) or ${outbox.payload}->'notificationIds' ?| ${ids}))
    or (${outbox.queue} = 'digests' and ${outbox.payload}->>'teacherId' = any(${accounts})))`;
}
