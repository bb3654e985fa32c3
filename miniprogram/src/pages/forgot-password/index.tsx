import { useState } from 'react'
import { Text, View } from '@tarojs/components'
import Taro from '@tarojs/taro'
import PageHeader from '../../components/PageHeader'
import { openLogin } from '../../services/navigation'
import ManualRecovery from './ManualRecovery'
import SmsReset from './SmsReset'
import './index.scss'

type Way = 'sms' | 'manual'

const WAYS: ReadonlyArray<{ key: Way; label: string }> = [
  { key: 'sms', label: '短信验证' },
  { key: 'manual', label: '人工找回' },
]

/** After a reset every session of the account has ended: log in with the new password. */
export async function afterReset(): Promise<void> {
  await Taro.showModal({
    title: '密码已重置',
    content: '请使用新密码登录。',
    showCancel: false,
    confirmText: '去登录',
    confirmColor: '#07c160',
  })
  await openLogin({ replace: true })
}

/**
 * 忘记密码, two ways: 短信验证 (phone + SMS code + new password; the username is
 * asked for when several accounts share the phone) and, when that phone is
 * lost, 人工找回 (a request checked by the head teacher or the school, with a
 * waiting period). Facts about a child never reset a password.
 */
export default function ForgotPasswordPage() {
  const [way, setWay] = useState<Way>('sms')
  return (
    <View className='page forgot-password-page'>
      <PageHeader title='找回密码' desc='通过注册手机号验证后设置新密码；手机号无法使用时可申请人工找回' />
      <View className='way-tabs'>
        {WAYS.map((w) => (
          <View
            key={w.key}
            className={`way-tabs__item tab-${w.key}${way === w.key ? ' way-tabs__item--active' : ''}`}
            onClick={() => setWay(w.key)}
          >
            <Text>{w.label}</Text>
          </View>
        ))}
      </View>
      {way === 'sms' ? <SmsReset onDone={afterReset} /> : <ManualRecovery onDone={afterReset} />}
    </View>
  )
}
