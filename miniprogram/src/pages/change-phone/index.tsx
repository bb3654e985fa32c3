import { Text, View } from '@tarojs/components'
import Taro, { useDidShow } from '@tarojs/taro'
import { ChangePhoneRequestSchema } from '../../../../domain/api/auth'
import { AppError } from '../../../../domain/errors'
import FormFields from '../../components/FormFields'
import FormNotice from '../../components/FormNotice'
import PageHeader from '../../components/PageHeader'
import PhoneCodeFields from '../../components/PhoneCodeFields'
import SmsCodeButton from '../../components/SmsCodeButton'
import SubmitButton from '../../components/SubmitButton'
import { useFormState, useFormSubmit } from '../../hooks/useForm'
import { changePhone, checkForm, sendOldPhoneCode } from '../../services/auth'
import { PAGES, backOr, openLogin } from '../../services/navigation'
import { isSignedIn, refreshAccount, useSession } from '../../services/session'

const FIELDS = ['oldSmsCode', 'phone', 'smsCode'] as const

/** The API's field names → the form's (the new phone's rows are the shared 手机号 + 验证码). */
function asForm(err: unknown): unknown {
  if (!(err instanceof AppError) || !err.fields) return err
  const rename: Record<string, string> = { 'body.newPhone': 'body.phone', 'body.newSmsCode': 'body.smsCode' }
  const fields = Object.fromEntries(Object.entries(err.fields).map(([k, v]) => [rename[k] ?? k, v]))
  return new AppError(err.code, { message: err.message, fields })
}

/**
 * 更换手机号: a code to the current phone (sent by the server to the bound
 * number) and a code to the new phone. The old phone and WeChat are told.
 */
export default function ChangePhonePage() {
  const session = useSession()
  const state = useFormState({ oldSmsCode: '', phone: '', smsCode: '' }, FIELDS)
  const { form, notice, show, clear } = state

  useDidShow(() => {
    if (!isSignedIn()) {
      void openLogin({ redirect: PAGES.changePhone, replace: true })
      return
    }
    if (!session.account) void refreshAccount().catch(() => undefined)
  })

  const [submitting, submit] = useFormSubmit({ clear, show }, async () => {
    const body = { oldSmsCode: form.oldSmsCode, newPhone: form.phone, newSmsCode: form.smsCode }
    checkForm(ChangePhoneRequestSchema, body)
    await changePhone(body)
    await refreshAccount().catch(() => undefined)
    void Taro.showToast({ title: '手机号已更换', icon: 'success' })
    await backOr(PAGES.mine)
  }, { mapError: asForm })

  return (
    <View className='page change-phone-page'>
      <PageHeader title='更换手机号' desc='需要原手机号和新手机号的验证码；更换后原手机号和微信会收到提醒' />
      <FormNotice message={notice} />
      <View className='form-card'>
        <FormFields
          state={state}
          fields={[
            {
              name: 'oldSmsCode',
              label: '原手机验证码',
              type: 'number',
              placeholder: `发送到 ${session.account?.phoneMasked ?? '当前手机号'}`,
              maxLength: 6,
              extra: <SmsCodeButton phone='' purpose='change_phone' send={sendOldPhoneCode} onError={(err) => void show(err)} />,
            },
          ]}
        />
      </View>
      <View className='form-card'>
        <PhoneCodeFields state={state} purpose='change_phone' onError={(err) => void show(asForm(err))} phonePlaceholder='新的手机号' />
      </View>
      <SubmitButton name='change-phone' loading={submitting} onClick={submit}>
        确认更换
      </SubmitButton>
      <Text className='tips'>原手机号已无法使用？请退出登录后在“忘记密码 → 人工找回”中申请。</Text>
    </View>
  )
}
