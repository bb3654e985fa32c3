import type { ReactNode } from 'react'
import { ScrollView, Text, View } from '@tarojs/components'
import './index.scss'

export interface SheetOption {
  value: string
  label: string
  /** A second, grey line (e.g. a school code). */
  desc?: string
}

interface Props {
  /** data-testid `sheet-<name>`; each option `option-<value>`. */
  name: string
  title: string
  open: boolean
  options: readonly SheetOption[]
  value?: string | undefined
  onSelect: (value: string) => void
  onClose: () => void
  /** Above the list (a search box). */
  header?: ReactNode
  /** Shown instead of the list when there are no options. */
  empty?: ReactNode
  /** Below the list (loading, 加载更多). */
  footer?: ReactNode
}

/**
 * A bottom sheet listing options to tap, WeChat action-sheet style: one tap
 * chooses and closes. Used instead of the native picker wheels, which are slow
 * to use with long lists and hard to drive in browser tests.
 */
export default function OptionSheet({ name, title, open, options, value, onSelect, onClose, header, empty, footer }: Props) {
  if (!open) return null
  return (
    <View className='option-sheet' data-testid={`sheet-${name}`}>
      <View className='option-sheet__mask' onClick={onClose} />
      <View className='option-sheet__panel'>
        <View className='option-sheet__head'>
          <Text className='option-sheet__cancel sheet-cancel' onClick={onClose}>
            取消
          </Text>
          <Text className='option-sheet__title'>{title}</Text>
          <View className='option-sheet__spacer' />
        </View>
        {header}
        <ScrollView className='option-sheet__list' scrollY>
          {options.length === 0 && empty ? <View className='option-sheet__empty'>{empty}</View> : null}
          {options.map((option) => (
            <View
              key={option.value}
              className={`option-sheet__item option-${option.value}${option.value === value ? ' option-sheet__item--active' : ''}`}
              data-testid={`option-${option.value}`}
              onClick={() => onSelect(option.value)}
            >
              <View className='option-sheet__text'>
                <Text className='option-sheet__label'>{option.label}</Text>
                {option.desc ? <Text className='option-sheet__desc'>{option.desc}</Text> : null}
              </View>
              {option.value === value ? <Text className='option-sheet__check'>✓</Text> : null}
            </View>
          ))}
          {footer}
        </ScrollView>
      </View>
    </View>
  )
}
