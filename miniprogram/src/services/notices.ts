import {
  ConfirmNoticeResponseSchema,
  CreateNoticeRequestSchema,
  type CreateNoticeRequest,
  MyNoticesResponseSchema,
  NOTICE_PAGE_SIZE,
  NoticeCreatedSchema,
  NoticeDetailSchema,
  PublishableClassesResponseSchema,
  ReceiptsResponseSchema,
  RemindResponseSchema,
  SentNoticesResponseSchema,
} from '../../../domain/api/notices'
import { api } from './api-client'
import { checkForm } from './auth'

/**
 * 公告作业 calls (domain/api/notices.ts is the contract). Families: their
 * children's notices and one notice (opening it marks it read), 确认已阅.
 * Teachers: the classes they may publish to, publish, their sent notices,
 * receipts and 提醒未读 (429 RATE_LIMITED within the hour: the AppError carries
 * the server's message).
 */

const enc = encodeURIComponent

export function listMyNotices(query: { studentId?: string; page?: number } = {}) {
  const parts = [`page=${query.page ?? 1}`, `pageSize=${NOTICE_PAGE_SIZE}`]
  if (query.studentId) parts.push(`studentId=${enc(query.studentId)}`)
  return api.get(`/api/notices/mine?${parts.join('&')}`, MyNoticesResponseSchema)
}

export function getNotice(id: string) {
  return api.get(`/api/notices/${enc(id)}`, NoticeDetailSchema)
}

export function confirmNotice(id: string) {
  return api.post(`/api/notices/${enc(id)}/confirm`, {}, ConfirmNoticeResponseSchema)
}

export function listPublishableClasses() {
  return api.get('/api/notices/classes', PublishableClassesResponseSchema)
}

/** Checked with the shared schema first (VALIDATION_FAILED with body.* fields, like the server's). */
/**
 * Validate the form with the shared schema (throws the field errors), ask the
 * author to confirm — a published notice reaches every family at once — and
 * publish; null when the author cancels.
 */
export async function publishNotice(form: unknown, confirm: (body: CreateNoticeRequest) => Promise<boolean>) {
  const body = checkForm(CreateNoticeRequestSchema, form)
  if (!(await confirm(body))) return null
  return api.post('/api/notices', body, NoticeCreatedSchema)
}

export function listSentNotices(page = 1) {
  return api.get(`/api/notices/sent?page=${page}&pageSize=${NOTICE_PAGE_SIZE}`, SentNoticesResponseSchema)
}

export function getReceipts(id: string) {
  return api.get(`/api/notices/${enc(id)}/receipts`, ReceiptsResponseSchema)
}

export function remindUnread(id: string) {
  return api.post(`/api/notices/${enc(id)}/remind`, {}, RemindResponseSchema)
}
