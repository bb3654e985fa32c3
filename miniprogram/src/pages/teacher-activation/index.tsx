import { useState } from 'react'
import { Text, View } from '@tarojs/components'
import Taro from '@tarojs/taro'
import { validatePassword } from '../../../../domain/account/credentials'
import { ActivateTeacherRequestSchema } from '../../../../domain/api/auth'
import { errorMessage, type FieldErrors } from '../../../../domain/errors'
import Field from '../../components/Field'
import FormNotice from '../../components/FormNotice'
import PageHeader from '../../components/PageHeader'
import PasswordChecklist from '../../components/PasswordChecklist'
import SmsCodeButton from '../../components/SmsCodeButton'
import SubmitButton from '../../components/SubmitButton'
import { useFormErrors } from '../../hooks/useFormErrors'
import { useSubmit } from '../../hooks/useSubmit'
import { activateTeacher, checkForm } from '../../services/auth'
import { goAfterSignIn, openLogin } from '../../services/navigation'

const FIELDS = ['phone', 'smsCode', 'username', 'password', 'confirmPassword'] as const
type FieldName = (typeof FIELDS)[number]

/**
 * 教师激活: a teacher whom the school admin registered with their phone proves
 * the phone (SMS code) and sets a username and password.
 */
export default function TeacherActivationPage() {
  const [form, setForm] = useState({ phone: '', smsCode: '', username: '', password: '', confirmPassword: '' })
  const { errors, notice, show, clear } = useFormErrors(FIELDS)

  const edit = (field: FieldName) => (value: string) => {
    setForm((f) => ({ ...f, [field]: value }))
    clear(field)
  }

  const [submitting, submit] = useSubmit(async () => {
    clear()
    try {
      const extra: FieldErrors = {}
      if (form.confirmPassword === '') extra['body.confirmPassword'] = '请再次输入密码'
      else if (form.confirmPassword !== form.password) extra['body.confirmPassword'] = '两次输入的密码不一致'
      if (validatePassword(form.password, { username: form.username, phone: form.phone }) === 'PASSWORD_CONTAINS_IDENTITY') {
        extra['body.password'] = errorMessage('PASSWORD_CONTAINS_IDENTITY')
      }
      const body = { phone: form.phone, smsCode: form.smsCode, username: form.username, password: form.password }
      checkForm(ActivateTeacherRequestSchema, body, extra)
      const result = await activateTeacher(body)
      void Taro.showToast({ title: '激活成功', icon: 'success', duration: 1500 })
      if (result.signedIn) await goAfterSignIn(undefined)
      else await openLogin({ replace: true })
    } catch (err) {
      show(err)
    }
  })

  return (
    <View className='page teacher-activation-page'>
      <PageHeader title='教师账号激活' desc='使用学校管理员登记的手机号验证身份，设置用户名和密码' />
      <FormNotice message={notice} />
      <View className='form-card'>
        <Field
          name='phone'
          label='手机号'
          type='number'
          placeholder='学校登记的手机号'
          maxLength={11}
          value={form.phone}
          onChange={edit('phone')}
          error={errors.phone}
        />
        <Field
          name='smsCode'
          label='验证码'
          type='number'
          placeholder='6 位短信验证码'
          maxLength={6}
          value={form.smsCode}
          onChange={edit('smsCode')}
          error={errors.smsCode}
          extra={<SmsCodeButton phone={form.phone} purpose='activate_teacher' onError={(err) => void show(err)} />}
        />
      </View>
      <View className='form-card'>
        <Field
          name='username'
          label='用户名'
          placeholder='字母开头，4–20 位'
          maxLength={20}
          value={form.username}
          onChange={edit('username')}
          error={errors.username}
        />
        <Field
          name='password'
          label='密码'
          type='password'
          placeholder='设置登录密码'
          maxLength={32}
          value={form.password}
          onChange={edit('password')}
          error={errors.password}
        >
          <PasswordChecklist password={form.password} context={{ username: form.username, phone: form.phone }} />
        </Field>
        <Field
          name='confirmPassword'
          label='确认密码'
          type='password'
          placeholder='再次输入密码'
          maxLength={32}
          value={form.confirmPassword}
          onChange={edit('confirmPassword')}
          error={errors.confirmPassword}
        />
      </View>
      <SubmitButton name='activate' loading={submitting} onClick={submit}>
        激活并登录
      </SubmitButton>
      <Text className='tips'>未收到激活通知或提示“未找到待激活的教师账号”，请联系本校学校管理员核对登记的手机号。</Text>
    </View>
  )
}
