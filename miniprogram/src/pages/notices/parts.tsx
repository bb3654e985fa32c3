import { Text, View } from '@tarojs/components'
import type { NoticeType } from '../../../../domain/api/notices'
import { formatCalendarDate } from '../../../../domain/messaging/fields'
import './parts.scss'

/**
 * Small pieces shared by the 公告作业 pages (list, detail, compose, receipts):
 * the 通知 / 作业 tag, the 需确认 / 已确认 badges, the due-date line.
 */

export function TypeTag({ type }: { type: NoticeType }) {
  return (
    <Text className={`notice-tag notice-tag--${type === '作业' ? 'homework' : 'notice'}`} data-testid='notice-type' data-type={type}>
      {type}
    </Text>
  )
}

export function ConfirmBadge({ required, confirmedAt }: { required: boolean; confirmedAt: string | null }) {
  if (!required) return null
  return confirmedAt ? (
    <Text className='notice-badge notice-badge--done' data-testid='badge-confirmed'>
      已确认
    </Text>
  ) : (
    <Text className='notice-badge notice-badge--todo' data-testid='badge-needs-confirm'>
      需确认
    </Text>
  )
}

/** 2026-09-30 → 截止 2026年9月30日 */
export function dueText(dueDate: string | null): string {
  return dueDate ? `截止 ${formatCalendarDate(dueDate)}` : ''
}

/** An empty list: one line in a card. */
export function EmptyCard({ title, desc, testId }: { title: string; desc?: string; testId: string }) {
  return (
    <View className='notice-empty' data-testid={testId}>
      <View className='notice-empty__icon'>
        <Text>告</Text>
      </View>
      <Text className='notice-empty__title'>{title}</Text>
      {desc ? <Text className='notice-empty__desc'>{desc}</Text> : null}
    </View>
  )
}
