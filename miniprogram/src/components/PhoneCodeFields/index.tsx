import type { ReactNode } from 'react'
import type { SmsPurpose } from '../../../../domain/api/auth'
import Field from '../Field'
import SmsCodeButton from '../SmsCodeButton'

type PhoneCodeName = 'phone' | 'smsCode'

interface Props {
  form: Record<PhoneCodeName, string>
  errors: Partial<Record<PhoneCodeName, string>>
  edit: (field: PhoneCodeName) => (value: string) => void
  /** What the SMS code is for (sent with the 获取验证码 request). */
  purpose: SmsPurpose
  /** A failed send: the page shows it. */
  onError: (err: unknown) => void
  phonePlaceholder: string
  phoneHint?: ReactNode
  /** False hides the code row (the phone was proven another way). */
  withCode?: boolean
}

/** 手机号 + 验证码 (with its 获取验证码 button): two rows of a form card. */
export default function PhoneCodeFields({
  form,
  errors,
  edit,
  purpose,
  onError,
  phonePlaceholder,
  phoneHint,
  withCode = true,
}: Props) {
  return (
    <>
      <Field
        name='phone'
        label='手机号'
        type='number'
        placeholder={phonePlaceholder}
        maxLength={11}
        value={form.phone}
        onChange={edit('phone')}
        error={errors.phone}
        hint={phoneHint}
      />
      {withCode && (
        <Field
          name='smsCode'
          label='验证码'
          type='number'
          placeholder='6 位短信验证码'
          maxLength={6}
          value={form.smsCode}
          onChange={edit('smsCode')}
          error={errors.smsCode}
          extra={<SmsCodeButton phone={form.phone} purpose={purpose} onError={onError} />}
        />
      )}
    </>
  )
}
