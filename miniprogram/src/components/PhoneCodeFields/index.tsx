import type { ReactNode } from 'react'
import type { SmsPurpose } from '../../../../domain/api/auth'
import FormFields, { type FieldState } from '../FormFields'
import SmsCodeButton from '../SmsCodeButton'

type PhoneCodeName = 'phone' | 'smsCode'

interface Props {
  /** The form's state (useFormState): its show() also reports a failed send, unless onError does. */
  state: FieldState<PhoneCodeName> & { show: (err: unknown) => unknown }
  /** What the SMS code is for (sent with the 获取验证码 request). */
  purpose: SmsPurpose
  /** A failed send, when the page shows it otherwise than with state.show. */
  onError?: (err: unknown) => void
  phonePlaceholder: string
  phoneHint?: ReactNode
  /** False hides the code row (the phone was proven another way). */
  withCode?: boolean
}

/** 手机号 + 验证码 (with its 获取验证码 button): two rows of a form card. */
export default function PhoneCodeFields({
  state,
  purpose,
  onError = (err) => void state.show(err),
  phonePlaceholder,
  phoneHint,
  withCode = true,
}: Props) {
  return (
    <FormFields
      state={state}
      fields={[
        { name: 'phone', label: '手机号', type: 'number', placeholder: phonePlaceholder, maxLength: 11, hint: phoneHint },
        withCode && {
          name: 'smsCode',
          label: '验证码',
          type: 'number',
          placeholder: '6 位短信验证码',
          maxLength: 6,
          extra: <SmsCodeButton phone={state.form.phone} purpose={purpose} onError={onError} />,
        },
      ]}
    />
  )
}
