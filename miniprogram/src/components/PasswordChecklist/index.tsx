import { Text, View } from '@tarojs/components'
import type { PasswordContext } from '../../../../domain/account/credentials'
import { errorMessage } from '../../../../domain/errors'
import { checkPassword } from './rules'

interface Props {
  password: string
  context?: PasswordContext
}

/** What a new password still lacks, updated on every keystroke. */
export default function PasswordChecklist({ password, context }: Props) {
  const { rules, problem } = checkPassword(password, context)
  return (
    <View className='password-checklist' data-testid='password-checklist'>
      {rules.map((rule) => (
        <View
          key={rule.key}
          className={`password-checklist__item password-checklist__item--${rule.met ? 'met' : 'unmet'} rule-${rule.key}`}
          data-met={rule.met ? 'true' : 'false'}
        >
          <Text className='password-checklist__mark'>{rule.met ? '✓' : '·'}</Text>
          <Text className='password-checklist__label'>{rule.label}</Text>
        </View>
      ))}
      {problem === 'PASSWORD_COMMON' && (
        <View className='password-checklist__item password-checklist__item--bad rule-common'>
          <Text className='password-checklist__mark'>!</Text>
          <Text className='password-checklist__label'>{errorMessage('PASSWORD_COMMON')}</Text>
        </View>
      )}
    </View>
  )
}
