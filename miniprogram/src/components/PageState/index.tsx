import { Text, View } from '@tarojs/components'
import './index.scss'

interface Props {
  /** Loading (no data yet) or the error message of the failed load. */
  loading: boolean
  error?: string | undefined
  onRetry?: () => void
}

/** What a page shows before its data is there: a spinner line, or the error with 重试. */
export default function PageState({ loading, error, onRetry }: Props) {
  if (error) {
    return (
      <View className='page-state page-state--error' data-testid='page-error'>
        <Text className='page-state__icon'>!</Text>
        <Text className='page-state__text'>{error}</Text>
        {onRetry ? (
          <Text className='page-state__retry link' onClick={onRetry}>
            重试
          </Text>
        ) : null}
      </View>
    )
  }
  if (!loading) return null
  return (
    <View className='page-state' data-testid='page-loading'>
      <View className='page-state__spinner' />
      <Text className='page-state__text'>加载中…</Text>
    </View>
  )
}
