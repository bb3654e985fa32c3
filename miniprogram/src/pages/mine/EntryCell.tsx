import { useCallback, useEffect, useRef } from 'react'
import { Text, View } from '@tarojs/components'
import { useDidShow } from '@tarojs/taro'
import { Cell } from '@nutui/nutui-react-taro'
import '@nutui/nutui-react-taro/dist/es/packages/cell/style/css'

export interface EntryCellOptions {
  key: string
  title: string
  value?: string
  /** Shows the chevron (the row opens something). */
  link?: boolean
  onClick?: () => void
}

/**
 * One row of 我的: title, an optional value and chevron. A function, not a
 * component: NutUI's CellGroup wants its Cell children directly.
 */
export function entryCell(options: EntryCellOptions) {
  return (
    <Cell
      key={options.key}
      className={`mine-cell cell-${options.key}`}
      title={options.title}
      align='center'
      clickable={Boolean(options.onClick)}
      onClick={options.onClick}
      extra={
        <View className='mine-cell__extra'>
          {options.value !== undefined && <Text className='mine-cell__value'>{options.value}</Text>}
          {options.link && <View className='mine-cell__arrow' />}
        </View>
      }
    />
  )
}

/** A row that opens a page: value and chevron always shown. */
export function linkCell(key: string, title: string, value: string, onClick: () => void) {
  return entryCell({ key, title, value, link: true, onClick })
}

/**
 * Runs `load` when the account becomes known or changes and on every return to
 * 我的. `load` reads the latest props through the ref it is given, so the
 * page-show callback never sees a stale account.
 */
export function useEntryLoad<T>(current: T, load: (current: T) => void, deps: readonly unknown[], reset?: () => void) {
  const ref = useRef(current)
  ref.current = current
  const loadRef = useRef(load)
  loadRef.current = load
  const run = useCallback(() => loadRef.current(ref.current), [])
  useEffect(() => {
    reset?.()
    run()
    // The caller names what should trigger a reload, as in a useEffect of its own.
  }, deps)
  useDidShow(run)
}
