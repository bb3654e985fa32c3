import { useState } from 'react'
import { Text, View } from '@tarojs/components'
import Taro from '@tarojs/taro'
import PageHeader from '../../components/PageHeader'
import { openLogin } from '../../services/navigation'
import IdentityReset from './IdentityReset'
import SmsReset from './SmsReset'
import './index.scss'

type Way = 'sms' | 'identity'

const WAYS: ReadonlyArray<{ key: Way; label: string }> = [
  { key: 'sms', label: '短信验证' },
  { key: 'identity', label: '身份验证' },
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
 * asked for when several accounts share the phone) and 身份验证 (username or
 * 教育卡号 + the student's resident ID number + captcha + new password).
 */
export default function ForgotPasswordPage() {
  const [way, setWay] = useState<Way>('sms')
  return (
    <View className='page forgot-password-page'>
      <PageHeader title='找回密码' desc='通过注册手机号或学生身份信息验证后，设置新密码' />
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
      {way === 'sms' ? <SmsReset onDone={afterReset} /> : <IdentityReset onDone={afterReset} />}
    </View>
  )
}
