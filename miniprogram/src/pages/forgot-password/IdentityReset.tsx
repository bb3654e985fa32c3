import { useEffect, useState } from 'react'
import { Text, View } from '@tarojs/components'
import { ResetPasswordByIdentityRequestSchema } from '../../../../domain/api/auth'
import { errorMessage } from '../../../../domain/errors'
import CaptchaImage from '../../components/Captcha'
import Field from '../../components/Field'
import FormNotice from '../../components/FormNotice'
import NewPasswordFields, { newPasswordErrors } from '../../components/NewPasswordFields'
import SubmitButton from '../../components/SubmitButton'
import { useCaptcha } from '../../hooks/useCaptcha'
import { useFormErrors } from '../../hooks/useFormErrors'
import { useSubmit } from '../../hooks/useSubmit'
import { checkForm, resetPasswordByIdentity } from '../../services/auth'

const FIELDS = ['login', 'studentResidentId', 'captchaAnswer', 'newPassword', 'confirmPassword'] as const
type FieldName = (typeof FIELDS)[number]

/** 身份验证: username or 教育卡号 + the student's resident ID number + captcha + new password. */
export default function IdentityReset({ onDone }: { onDone: () => Promise<void> }) {
  const [form, setForm] = useState({ login: '', studentResidentId: '', captchaAnswer: '', newPassword: '', confirmPassword: '' })
  const captcha = useCaptcha()
  const { errors, notice, show, clear } = useFormErrors(FIELDS)

  useEffect(() => {
    void captcha.refresh()
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once, when the way is chosen
  }, [])

  const edit = (field: FieldName) => (value: string) => {
    setForm((f) => ({ ...f, [field]: value }))
    clear(field)
  }

  const [submitting, submit] = useSubmit(async () => {
    clear()
    try {
      const extra = newPasswordErrors('newPassword', form, { username: form.login })
      if (form.captchaAnswer.trim() === '') extra['body.captchaAnswer'] = errorMessage('CAPTCHA_REQUIRED')
      const body = {
        login: form.login,
        studentResidentId: form.studentResidentId,
        newPassword: form.newPassword,
        captchaId: captcha.captchaId ?? '',
        captchaAnswer: form.captchaAnswer,
      }
      checkForm(ResetPasswordByIdentityRequestSchema, body, extra)
      try {
        await resetPasswordByIdentity(body)
      } finally {
        // the captcha was spent by the attempt
        setForm((f) => ({ ...f, captchaAnswer: '' }))
        void captcha.refresh()
      }
      await onDone()
    } catch (err) {
      show(err)
    }
  })

  return (
    <View className='identity-reset'>
      <FormNotice message={notice} />
      <View className='form-card'>
        <Field
          name='login'
          label='账号'
          placeholder='用户名或教育卡号'
          maxLength={64}
          value={form.login}
          onChange={edit('login')}
          error={errors.login}
        />
        <Field
          name='studentResidentId'
          label='学生身份证'
          type='idcard'
          placeholder='学生本人的 18 位身份证号'
          maxLength={18}
          value={form.studentResidentId}
          onChange={edit('studentResidentId')}
          error={errors.studentResidentId}
        />
        <Field
          name='captchaAnswer'
          label='验证码'
          placeholder='图中字符'
          maxLength={16}
          value={form.captchaAnswer}
          onChange={edit('captchaAnswer')}
          error={errors.captchaAnswer}
          extra={<CaptchaImage svg={captcha.svg} loading={captcha.loading} onRefresh={() => void captcha.refresh()} />}
        />
      </View>
      <View className='form-card'>
        <NewPasswordFields name='newPassword' form={form} errors={errors} edit={edit} context={{ username: form.login }} />
      </View>
      <SubmitButton name='reset-identity' loading={submitting} onClick={submit}>
        重置密码
      </SubmitButton>
      <Text className='tips'>适用于已完成学生身份认证的账号：需填写该账号下学生本人的身份证号。</Text>
    </View>
  )
}
