import { useState } from 'react'
import { Text, View } from '@tarojs/components'
import { ResetPasswordBySmsRequestSchema } from '../../../../domain/api/auth'
import type { FieldErrors } from '../../../../domain/errors'
import FormFields from '../../components/FormFields'
import FormNotice from '../../components/FormNotice'
import NewPasswordFields, { newPasswordErrors } from '../../components/NewPasswordFields'
import PhoneCodeFields from '../../components/PhoneCodeFields'
import SubmitButton from '../../components/SubmitButton'
import { useFormState, useFormSubmit } from '../../hooks/useForm'
import { checkForm, resetPasswordBySms } from '../../services/auth'

const FIELDS = ['phone', 'smsCode', 'username', 'newPassword', 'confirmPassword'] as const

/** 短信验证: phone + code + new password; a username field appears when the server answers USERNAME_NEEDED. */
export default function SmsReset({ onDone }: { onDone: () => Promise<void> }) {
  const [needUsername, setNeedUsername] = useState(false)
  const state = useFormState(
    { phone: '', smsCode: '', username: '', newPassword: '', confirmPassword: '' },
    FIELDS,
  )
  const { form, notice, show, clear } = state

  const [submitting, submit] = useFormSubmit(
    { clear, show },
    async () => {
      const extra: FieldErrors = {}
      if (needUsername && form.username.trim() === '') extra['body.username'] = '请填写要找回密码的用户名'
      Object.assign(extra, newPasswordErrors('newPassword', form, { username: form.username, phone: form.phone }))
      const body = {
        phone: form.phone,
        smsCode: form.smsCode,
        ...(needUsername ? { username: form.username } : {}),
        newPassword: form.newPassword,
      }
      checkForm(ResetPasswordBySmsRequestSchema, body, extra)
      await resetPasswordBySms(body)
      await onDone()
    },
    {
      onError: (error) => {
        if (error.code === 'USERNAME_NEEDED') setNeedUsername(true)
      },
    },
  )

  return (
    <View className='sms-reset'>
      <FormNotice message={notice} />
      <View className='form-card'>
        <PhoneCodeFields
          state={state}
          purpose='reset_password'
          phonePlaceholder='注册时使用的手机号'
        />
        {needUsername && (
          <FormFields
            state={state}
            fields={[
              {
                name: 'username',
                label: '用户名',
                placeholder: '该手机号下要找回的用户名',
                maxLength: 20,
                hint: '该手机号绑定了多个账号，请填写其中一个',
              },
            ]}
          />
        )}
      </View>
      <View className='form-card'>
        <NewPasswordFields name='newPassword' state={state} context={{ username: form.username, phone: form.phone }} />
      </View>
      <SubmitButton name='reset-sms' loading={submitting} onClick={submit}>
        重置密码
      </SubmitButton>
      <Text className='tips'>手机号已无法使用？请选择“人工找回”，或联系客服。</Text>
    </View>
  )
}
