import { Text, View } from '@tarojs/components'

interface Props {
  message: string | undefined
  tone?: 'error' | 'info' | 'success'
  testId?: string
}

/** A message over the whole form (an error without a field, a lockout, a success note). */
export default function FormNotice({ message, tone = 'error', testId = 'form-notice' }: Props) {
  if (!message) return null
  return (
    <View className={`form-notice form-notice--${tone}`} data-testid={testId}>
      <Text className='form-notice__icon'>{tone === 'error' ? '!' : tone === 'success' ? '✓' : 'i'}</Text>
      <Text className='form-notice__text'>{message}</Text>
    </View>
  )
}
