/**
 * GET /api/dev/inbox: what the development fakes "sent": the SMS messages of
 * the development SMS provider (Redis list), the newest notification rows
 * (what people are to be told, with the mini-program page each opens) and,
 * when WECHAT_API_BASE points at the local fake WeChat, the template and
 * subscribe messages it recorded; `deliveries` says how each listed
 * notification went out (channel, status, errcode), joined by notificationId.
 *
 * Development only: routesFor() leaves this route out of the route table when
 * NODE_ENV is production, so it does not exist there (404, and absent from
 * /api/openapi.json). Outside production it answers loopback peers only (the
 * TCP socket's address, never X-Forwarded-For: server/http/deployment.ts), 404
 * to anyone else. Its access is 'public' because it is how a developer or
 * an end-to-end test reads the SMS code needed to register or sign in in the
 * first place (there is no account yet to authorise), and because the dev SMS
 * provider — the only one that writes this inbox — is itself refused in
 * production. It shows full phone numbers and codes: they are fake deliveries.
 */
import { z } from 'zod';
import { phoneSchema } from '../../../../domain/contact/phone';
import { readDevInbox } from '../../../integrations/sms';
import { deliveriesOf } from '../../../services/messaging/deliver';
import { listRecentNotifications } from '../../../services/notifications/notifications';
import { defineRoute } from '../../route';

export const DevInboxQuerySchema = z.strictObject({
  phone: phoneSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const DevInboxResponseSchema = z.object({
  sms: z.array(
    z.object({
      at: z.string(),
      phone: z.string(),
      template: z.string(),
      text: z.string(),
      params: z.record(z.string(), z.unknown()),
    }),
  ),
  notifications: z.array(
    z.object({
      /** Joins `deliveries`. */
      id: z.string(),
      at: z.string(),
      accountId: z.string(),
      kind: z.string(),
      data: z.record(z.string(), z.unknown()),
      /** The mini-program page the message opens (also a route of the H5 build). */
      pagePath: z.string().nullable(),
    }),
  ),
  /** How each listed notification went out (message_deliveries): one row per channel tried, in order. */
  deliveries: z.array(
    z.object({
      notificationId: z.string(),
      channel: z.enum(['template', 'subscribe', 'sms']),
      status: z.string(),
      errcode: z.number().nullable(),
      errmsg: z.string().nullable(),
      templateId: z.string().nullable(),
      pagePath: z.string().nullable(),
      attempts: z.number(),
      sentAt: z.string().nullable(),
    }),
  ),
  wechat: z.object({
    /** False when WECHAT_API_BASE is not a local fake, or the fake did not answer. */
    available: z.boolean(),
    messages: z.array(z.record(z.string(), z.unknown())),
  }),
});

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function isLocalUrl(url: string): boolean {
  try {
    return LOCAL_HOSTS.has(new URL(url).hostname);
  } catch {
    return false;
  }
}

async function fakeWechatMessages(base: string, limit: number): Promise<{ available: boolean; messages: Record<string, unknown>[] }> {
  if (!isLocalUrl(base)) return { available: false, messages: [] };
  try {
    const res = await fetch(new URL('/__fake/messages', base), { signal: AbortSignal.timeout(1_000) });
    if (!res.ok) return { available: false, messages: [] };
    const body = (await res.json()) as { messages?: unknown };
    const messages = Array.isArray(body.messages) ? (body.messages as Record<string, unknown>[]) : [];
    return { available: true, messages: messages.slice(-limit).reverse() };
  } catch {
    return { available: false, messages: [] };
  }
}

export const getDevInbox = defineRoute({
  method: 'get',
  path: '/api/dev/inbox',
  operationId: 'getDevInbox',
  summary: 'Development only: SMS and WeChat messages the local fakes recorded (absent in production)',
  tags: ['development'],
  access: 'public',
  query: DevInboxQuerySchema,
  responses: { 200: { description: 'Newest first', schema: DevInboxResponseSchema } },
  handler: async ({ koa, app, input }) => {
    const { phone, limit } = input.query;
    const [sms, rows, wechat] = await Promise.all([
      readDevInbox(app.redis, app.config.QUEUE_PREFIX, { ...(phone ? { phone } : {}), limit }),
      listRecentNotifications(app.db, limit),
      fakeWechatMessages(app.config.WECHAT_API_BASE, limit),
    ]);
    const notifications = rows.map((n) => ({
      id: n.id,
      at: n.createdAt.toISOString(),
      accountId: n.accountId,
      kind: n.kind,
      data: n.data as Record<string, unknown>,
      pagePath: n.pagePath,
    }));
    const deliveries = (await deliveriesOf(app, rows.map((n) => n.id))).map((d) => ({
      notificationId: d.notificationId,
      channel: d.channel,
      status: d.status,
      errcode: d.errcode,
      errmsg: d.errmsg,
      templateId: d.templateId,
      pagePath: d.pagePath,
      attempts: d.attempts,
      sentAt: d.sentAt ? d.sentAt.toISOString() : null,
    }));
    koa.set('Cache-Control', 'no-store');
    koa.body = { sms, notifications, deliveries, wechat };
  },
});
