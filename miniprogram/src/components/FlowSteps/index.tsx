import { Fragment } from 'react'
import { Text, View } from '@tarojs/components'
import './index.scss'

/** The four steps a family sees (DESIGN §1). */
export const FAMILY_STEPS = ['注册账号', '填写信息', '信息审核', '完成认证'] as const

interface Props {
  /** Index of the current step in FAMILY_STEPS; earlier ones show as done. */
  current: number
  /** The current step failed (e.g. 已退回): shown in red. */
  failed?: boolean
}

/** A compact 1 → 2 → 3 → 4 progress bar at the top of the family's pages. */
export default function FlowSteps({ current, failed }: Props) {
  return (
    <View className='flow-steps' data-testid='flow-steps'>
      {FAMILY_STEPS.map((label, i) => {
        const state = i < current ? 'done' : i === current ? (failed ? 'failed' : 'current') : 'todo'
        return (
          <Fragment key={label}>
            {i > 0 && <View className={`flow-steps__line${i <= current ? ' flow-steps__line--done' : ''}`} />}
            <View className={`flow-steps__item flow-steps__item--${state}`}>
              <View className='flow-steps__dot'>
                <Text>{state === 'done' ? '✓' : state === 'failed' ? '!' : String(i + 1)}</Text>
              </View>
              <Text className='flow-steps__label'>{label}</Text>
            </View>
          </Fragment>
        )
      })}
    </View>
  )
}
