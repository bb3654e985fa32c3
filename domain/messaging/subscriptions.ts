/**
 * The subscription API contract (POST/GET /api/subscriptions), shared with the
 * mini-program: on the submit tap the page calls wx.requestSubscribeMessage
 * with the template ids of GET /api/subscriptions (at most 3 per call) and
 * posts the result object as `results`; each `accept` is one message we may send.
 */
import { z } from 'zod';
import { TEMPLATE_GROUPS } from './messages';

export const SUBSCRIBE_RESULTS = ['accept', 'reject', 'ban', 'filter'] as const;
export type SubscribeResult = (typeof SUBSCRIBE_RESULTS)[number];

/** Most template ids wx.requestSubscribeMessage takes at once (documents say 5, older 3: design for 3). */
export const MAX_SUBSCRIBE_IDS_PER_CALL = 3;

/**
 * The success object of wx.requestSubscribeMessage: `{ errMsg, [templateId]: result }`.
 * Keys that are not templates (errMsg) and unknown template ids are ignored.
 */
export const RecordSubscriptionsRequestSchema = z.strictObject({
  results: z.record(z.string().min(1).max(128), z.string().max(64)).refine((r) => Object.keys(r).length <= 20, '最多 20 项'),
});
export type RecordSubscriptionsRequest = z.infer<typeof RecordSubscriptionsRequestSchema>;

export const SubscriptionTemplateSchema = z.object({
  group: z.enum(TEMPLATE_GROUPS),
  templateId: z.string(),
  /** Unused one-time grants: messages we may still send with this template. */
  available: z.number().int(),
  lastResult: z.enum(SUBSCRIBE_RESULTS).nullable(),
});

export const SubscriptionsResponseSchema = z.object({
  templates: z.array(SubscriptionTemplateSchema),
  /** The template ids a page should request on its submit tap (≤ MAX_SUBSCRIBE_IDS_PER_CALL). */
  requestIds: z.array(z.string()),
});
export type SubscriptionsResponse = z.infer<typeof SubscriptionsResponseSchema>;
