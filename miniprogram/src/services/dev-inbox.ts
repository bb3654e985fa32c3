import { z } from 'zod'
import { api } from './api-client'

/**
 * GET /api/dev/inbox (development and test only): what the fake SMS provider and
 * the fake WeChat server "sent". Parsed loosely: the page shows whatever the
 * entries carry, so a new field on the server side needs no change here.
 */
const SmsMessageSchema = z.looseObject({
  at: z.string(),
  phone: z.string(),
  text: z.string(),
})
const WechatMessageSchema = z.looseObject({
  at: z.string().optional(),
})

/** `wechat` is `{ available, messages }` (available: false when no local fake WeChat answers); a bare list is accepted too. */
const WechatBoxSchema = z
  .union([
    z.looseObject({ available: z.boolean().default(true), messages: z.array(WechatMessageSchema).default([]) }),
    z.array(WechatMessageSchema).transform((messages) => ({ available: true, messages })),
  ])
  .default({ available: false, messages: [] })

/** What people are to be told (review decisions, reviews waiting), with the page the message opens. */
const NotificationSchema = z.looseObject({
  at: z.string(),
  accountId: z.string(),
  kind: z.string(),
  data: z.record(z.string(), z.unknown()).default({}),
  /** e.g. pages/review/detail?id=… (a page of this app, without the leading slash). */
  pagePath: z.string().nullable().default(null),
})

export const DevInboxSchema = z.looseObject({
  sms: z.array(SmsMessageSchema).default([]),
  notifications: z.array(NotificationSchema).default([]),
  wechat: WechatBoxSchema,
})

export type DevInbox = z.infer<typeof DevInboxSchema>
export type SmsMessage = DevInbox['sms'][number]
export type WechatMessage = DevInbox['wechat']['messages'][number]
export type DevNotification = DevInbox['notifications'][number]

export const NOTIFICATION_KIND_LABELS: Readonly<Record<string, string>> = {
  'review.waiting': '待审核提醒（班主任）',
  'review.approved': '审核通过（家长）',
  'review.returned': '资料退回（家长）',
  'reconfirm.required': '学期确认（家长）',
  'reconfirm.reminder': '学期确认提醒（家长）',
}

export function fetchDevInbox(): Promise<DevInbox> {
  return api.get('/api/dev/inbox', DevInboxSchema)
}

/** The verification code in an SMS text (the first group of 4–8 digits), if any. */
export function codeInText(text: string): string | undefined {
  return /(?:^|\D)(\d{4,8})(?!\d)/.exec(text)?.[1]
}

/** Newest first, by `at` (entries without a time keep their order at the end). */
export function newestFirst<T extends { at?: string }>(items: readonly T[]): T[] {
  return items
    .map((item, index) => ({ item, index, time: item.at ? Date.parse(item.at) : Number.NaN }))
    .sort((a, b) => {
      const ta = Number.isNaN(a.time) ? -Infinity : a.time
      const tb = Number.isNaN(b.time) ? -Infinity : b.time
      return tb - ta || b.index - a.index
    })
    .map((entry) => entry.item)
}
