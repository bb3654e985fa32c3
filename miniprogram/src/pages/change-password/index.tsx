import { useState } from 'react'
import { View } from '@tarojs/components'
import Taro, { useDidShow } from '@tarojs/taro'
import { validatePassword } from '../../../../domain/account/credentials'
import { ChangePasswordRequestSchema } from '../../../../domain/api/auth'
import { errorMessage, type FieldErrors } from '../../../../domain/errors'
import Field from '../../components/Field'
import FormNotice from '../../components/FormNotice'
import PageHeader from '../../components/PageHeader'
import PasswordChecklist from '../../components/PasswordChecklist'
import SubmitButton from '../../components/SubmitButton'
import { useFormErrors } from '../../hooks/useFormErrors'
import { useSubmit } from '../../hooks/useSubmit'
import { changePassword, checkForm } from '../../services/auth'
import { PAGES, backOr, openLogin } from '../../services/navigation'
import { isSignedIn, refreshAccount, useSession } from '../../services/session'

const FIELDS = ['currentPassword', 'newPassword', 'confirmPassword'] as const
type FieldName = (typeof FIELDS)[number]

/**
 * 修改密码: current password + new password (live checklist) + confirmation.
 * The server ends every session of the account (the old token stops working),
 * so unless it answers with a new session the user logs in again.
 */
export default function ChangePasswordPage() {
  const session = useSession()
  const [form, setForm] = useState({ currentPassword: '', newPassword: '', confirmPassword: '' })
  const { errors, notice, show, clear } = useFormErrors(FIELDS)
  const username = session.account?.username ?? undefined

  useDidShow(() => {
    if (!isSignedIn()) {
      void openLogin({ redirect: PAGES.changePassword, replace: true })
      return
    }
    if (!session.account) void refreshAccount().catch(() => undefined)
  })

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
      if (validatePassword(form.newPassword, { username }) === 'PASSWORD_CONTAINS_IDENTITY') {
        extra['body.newPassword'] = errorMessage('PASSWORD_CONTAINS_IDENTITY')
      }
      const body = { currentPassword: form.currentPassword, newPassword: form.newPassword }
      checkForm(ChangePasswordRequestSchema, body, extra)
      const result = await changePassword(body)
      if (result.signedOut) {
        await Taro.showModal({
          title: '密码已修改',
          content: '为保障账号安全，所有设备已退出登录，请使用新密码重新登录。',
          showCancel: false,
          confirmText: '去登录',
          confirmColor: '#07c160',
        })
        await openLogin({ replace: true })
      } else {
        void Taro.showToast({ title: '密码已修改', icon: 'success' })
        await backOr(PAGES.mine)
      }
    } catch (err) {
      show(err)
    }
  })

  return (
    <View className='page change-password-page'>
      <PageHeader title='修改密码' desc='修改后，已登录的设备需要使用新密码重新登录' />
      <FormNotice message={notice} />
      <View className='form-card'>
        <Field
          name='currentPassword'
          label='当前密码'
          type='password'
          placeholder='请输入当前密码'
          maxLength={64}
          value={form.currentPassword}
          onChange={edit('currentPassword')}
          error={errors.currentPassword}
        />
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
          <PasswordChecklist password={form.newPassword} context={{ username }} />
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
      <SubmitButton name='change-password' loading={submitting} onClick={submit}>
        确认修改
      </SubmitButton>
    </View>
  )
}
