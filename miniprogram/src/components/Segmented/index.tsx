import { Text, View } from '@tarojs/components'
import './index.scss'

export interface Segment<T extends string> {
  value: T
  label: string
  /** A second, smaller line under the label. */
  desc: string
}

interface Props<T extends string> {
  /** data-testid of the control. */
  testId: string
  /** Each segment also gets the class `<itemClassPrefix>-<value>` (what tests tap). */
  itemClassPrefix: string
  segments: ReadonlyArray<Segment<T>>
  value: T
  onChange: (value: T) => void
}

/** A row of two or three large choices (label and description); one tap selects. */
export default function Segmented<T extends string>({ testId, itemClassPrefix, segments, value, onChange }: Props<T>) {
  return (
    <View className='segmented' data-testid={testId}>
      {segments.map((segment) => (
        <View
          key={segment.value}
          className={`segmented__item ${itemClassPrefix}-${segment.value}${value === segment.value ? ' segmented__item--active' : ''}`}
          onClick={() => onChange(segment.value)}
        >
          <Text className='segmented__label'>{segment.label}</Text>
          <Text className='segmented__desc'>{segment.desc}</Text>
        </View>
      ))}
    </View>
  )
}
