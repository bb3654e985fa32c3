import { chinaDate } from '../../../domain/time/calendar-date'

const CHINA_OFFSET_MS = 8 * 3600 * 1000

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n)
}

/** 2026年9月1日 (the date in Asia/Shanghai); '' for an unparseable value. */
export function formatChinaDate(iso: string): string {
  const time = new Date(iso)
  if (Number.isNaN(time.getTime())) return ''
  const d = chinaDate(time)
  return `${d.year}年${d.month}月${d.day}日`
}

/** 09-01 14:03:27 (Asia/Shanghai), for message lists. */
export function formatChinaDateTime(iso: string): string {
  const time = new Date(iso)
  if (Number.isNaN(time.getTime())) return ''
  const shifted = new Date(time.getTime() + CHINA_OFFSET_MS)
  return `${pad2(shifted.getUTCMonth() + 1)}-${pad2(shifted.getUTCDate())} ${pad2(shifted.getUTCHours())}:${pad2(shifted.getUTCMinutes())}:${pad2(shifted.getUTCSeconds())}`
}
