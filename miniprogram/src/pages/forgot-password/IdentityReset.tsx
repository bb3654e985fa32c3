import { useEffect, useState } from 'react'
import { Text, View } from '@tarojs/components'
import { validatePassword } from '../../../../domain/account/credentials'
import { ResetPasswordByIdentityRequestSchema } from '../../../../domain/api/auth'
import { errorMessage, type FieldErrors } from '../../../../domain/errors'
import CaptchaImage from '../../components/Captcha'
import Field from '../../components/Field'
import FormNotice from '../../components/FormNotice'
import PasswordChecklist from '../../components/PasswordChecklist'
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
      const extra: FieldErrors = {}
      if (form.confirmPassword === '') extra['body.confirmPassword'] = '请再次输入新密码'
      else if (form.confirmPassword !== form.newPassword) extra['body.confirmPassword'] = '两次输入的新密码不一致'
      if (validatePassword(form.newPassword, { username: form.login }) === 'PASSWORD_CONTAINS_IDENTITY') {
        extra['body.newPassword'] = errorMessage('PASSWORD_CONTAINS_IDENTITY')
      }
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
        <Field
          name='newPassword'
          label='新密码'
          type='password'
          placeholder='设置新密码'
          maxLength={32}
          value={form.newPassword}
          onChange={edit('newPassword')}
          error={errors.newPassword}
        >
          <PasswordChecklist password={form.newPassword} context={{ username: form.login }} />
        </Field>
        <Field
          name='confirmPassword'
          label='确认密码'
          type='password'
          placeholder='再次输入新密码'
          maxLength={32}
          value={form.confirmPassword}
          onChange={edit('confirmPassword')}
          error={errors.confirmPassword}
        />
      </View>
      <SubmitButton name='reset-identity' loading={submitting} onClick={submit}>
        重置密码
      </SubmitButton>
      <Text className='tips'>适用于已完成学生身份认证的账号：需填写该账号下学生本人的身份证号。</Text>
    </View>
  )
}
