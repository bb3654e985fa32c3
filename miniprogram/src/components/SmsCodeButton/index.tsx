import { useRef, useState } from 'react'
import Taro from '@tarojs/taro'
import { Button } from '@nutui/nutui-react-taro'
import '@nutui/nutui-react-taro/dist/es/packages/button/style/css'
import { SMS_RESEND_SECONDS, type SmsPurpose } from '../../../../domain/api/auth'
import { useCountdown } from '../../hooks/useCountdown'
import { sendSmsCode } from '../../services/auth'

interface Props {
  phone: string
  purpose: SmsPurpose
  /** A failed send: the page shows it (next to the phone field, or the server's 429 message). */
  onError: (err: unknown) => void
  onSent?: () => void
  /** Sends the code another way (the signed-in account's own phone); default: POST /api/auth/sms-codes. */
  send?: () => Promise<{ resendIn: number }>
}

/**
 * 获取验证码: sends an SMS code for the purpose, then counts down (重新获取(56s))
 * for the server's `resendIn` (60 s), disabled meanwhile.
 */
export default function SmsCodeButton({ phone, purpose, onError, onSent, send: sender }: Props) {
  const { remaining, start } = useCountdown()
  const [sending, setSending] = useState(false)
  const [sentOnce, setSentOnce] = useState(false)
  const busy = useRef(false)

  const send = async () => {
    if (busy.current || remaining > 0) return
    busy.current = true
    setSending(true)
    try {
      const result = sender ? await sender() : await sendSmsCode(phone, purpose)
      start(result.resendIn > 0 ? result.resendIn : SMS_RESEND_SECONDS)
      setSentOnce(true)
      void Taro.showToast({ title: '验证码已发送', icon: 'success', duration: 1500 })
      onSent?.()
    } catch (err) {
      onError(err)
    } finally {
      busy.current = false
      setSending(false)
    }
  }

  const label = remaining > 0 ? `重新获取(${remaining}s)` : sentOnce ? '重新获取' : '获取验证码'
  return (
    <Button
      className='sms-code-button btn-send-code'
      type='primary'
      fill='outline'
      size='small'
      loading={sending}
      disabled={sending || remaining > 0}
      onClick={() => void send()}
    >
      {label}
    </Button>
  )
}
