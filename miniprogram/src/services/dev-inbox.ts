import { z } from 'zod'
import { messageContent } from '../../../domain/messaging/messages'
import { formatMessageData } from '../../../domain/messaging/fields'
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
  /** Joins `deliveries`. */
  id: z.string().optional(),
  at: z.string(),
  accountId: z.string(),
  kind: z.string(),
  data: z.record(z.string(), z.unknown()).default({}),
  /** e.g. pages/review/detail?id=… (a page of this app, without the leading slash). */
  pagePath: z.string().nullable().default(null),
})

/** How a notification went out: one row per channel tried, in order (joined by notificationId). */
const DeliverySchema = z.looseObject({
  notificationId: z.string(),
  channel: z.string(),
  status: z.string(),
  errcode: z.number().nullable().default(null),
  errmsg: z.string().nullable().default(null),
  templateId: z.string().nullable().default(null),
  pagePath: z.string().nullable().default(null),
  attempts: z.number().default(0),
  sentAt: z.string().nullable().default(null),
})

export const DevInboxSchema = z.looseObject({
  sms: z.array(SmsMessageSchema).default([]),
  notifications: z.array(NotificationSchema).default([]),
  deliveries: z.array(DeliverySchema).default([]),
  wechat: WechatBoxSchema,
})

export type DevInbox = z.infer<typeof DevInboxSchema>
export type SmsMessage = DevInbox['sms'][number]
export type WechatMessage = DevInbox['wechat']['messages'][number]
export type DevNotification = DevInbox['notifications'][number]
export type DevDelivery = DevInbox['deliveries'][number]

export const NOTIFICATION_KIND_LABELS: Readonly<Record<string, string>> = {
  'review.waiting': '待审核提醒（班主任）',
  'review.approved': '审核通过（家长）',
  'review.returned': '资料退回（家长）',
  'review.disputed': '身份申诉（持卡家长）',
  'reconfirm.required': '学期确认（家长）',
  'reconfirm.reminder': '学期确认提醒（家长）',
  'review.digest': '待审核汇总（班主任）',
  'notice.published': '班级通知（家长）',
  'notice.reminder': '通知未读提醒（家长）',
}

/** Message channels: official-account template message, mini-program subscribe message, SMS. */
export const CHANNEL_LABELS: Readonly<Record<string, string>> = {
  template: '公众号模板消息',
  subscribe: '小程序订阅消息',
  sms: '短信',
}

/** message_deliveries.status */
export const DELIVERY_STATUS_LABELS: Readonly<Record<string, string>> = {
  queued: '排队重试',
  sending: '发送中',
  sent: '已发送',
  failed: '失败',
  skipped: '不可用，改用下一渠道',
}

/** A recipient for the screen: openids and account ids keep 4 characters at each end, phones 3 + 4. */
export function maskRecipient(value: string): string {
  if (/^1\d{10}$/.test(value)) return `${value.slice(0, 3)}****${value.slice(7)}`
  if (value.length <= 8) return value
  return `${value.slice(0, 4)}****${value.slice(-4)}`
}

/** The deliveries of one notification, in the order they were tried. */
export function deliveriesOf(inbox: DevInbox | undefined, notificationId: string | undefined): DevDelivery[] {
  if (!inbox || !notificationId) return []
  return inbox.deliveries.filter((d) => d.notificationId === notificationId)
}

/** A WeChat message's page: template `miniprogram.pagepath`, subscribe `page`. */
export function wechatPagePath(message: WechatMessage): string | undefined {
  const body = (message.body ?? {}) as Record<string, unknown>
  const mp = body.miniprogram as Record<string, unknown> | undefined
  const candidates = [mp?.pagepath, body.page, message.page, (message.miniprogram as Record<string, unknown> | undefined)?.pagepath]
  const found = candidates.find((v): v is string => typeof v === 'string' && v !== '')
  return found
}

/** A WeChat message's fields, `key: value` (as WeChat would show them). */
export function wechatFields(message: WechatMessage): Array<[string, string]> {
  const data = message.data
  if (!data || typeof data !== 'object') return []
  return Object.entries(data as Record<string, unknown>).map(([key, entry]) => {
    const value = entry && typeof entry === 'object' ? (entry as { value?: unknown }).value : entry
    return [key, typeof value === 'string' ? value : JSON.stringify(value)]
  })
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

/**
 * A notification's message fields as the channel carries them (the domain's one
 * formatter): template / subscribe `key: value`, SMS the template parameters.
 */
export function notificationFields(notification: DevNotification, channel: string): Array<[string, string]> {
  const content = messageContent(notification.kind, notification.data, new Date(notification.at))
  if (!content) return []
  if (channel === 'sms') return Object.entries(content.sms.params).map(([k, v]) => [k, String(v)])
  const data = formatMessageData(content.fields, channel === 'template' ? 'template' : 'subscribe')
  return Object.entries(data).map(([k, v]) => [k, v.value])
}
