import type { ReactNode } from 'react'
import { Text, View } from '@tarojs/components'
import './index.scss'

export interface InfoItem {
  /** data-testid `info-<key>` */
  key: string
  label: string
  value: ReactNode
  /** Right side: a small action such as 查看完整. */
  extra?: ReactNode
}

interface Props {
  title?: string
  items: readonly InfoItem[]
  testId?: string
  children?: ReactNode
}

/** A white card of read-only label / value rows (电子档案, 学期确认). Values are text. */
export default function InfoList({ title, items, testId, children }: Props) {
  return (
    <View className='info-list' data-testid={testId}>
      {title ? <Text className='info-list__title'>{title}</Text> : null}
      <View className='info-list__card'>
        {items.map((item) => (
          <View className='info-list__row' key={item.key} data-testid={`info-${item.key}`}>
            <Text className='info-list__label'>{item.label}</Text>
            <View className='info-list__value'>
              {typeof item.value === 'string' ? <Text className='info-list__text'>{item.value || '—'}</Text> : item.value}
            </View>
            {item.extra ? <View className='info-list__extra'>{item.extra}</View> : null}
          </View>
        ))}
        {children}
      </View>
    </View>
  )
}
