import { View } from '@tarojs/components'
import Taro, { useDidShow } from '@tarojs/taro'
import { ChangePasswordRequestSchema } from '../../../../domain/api/auth'
import FormFields from '../../components/FormFields'
import FormNotice from '../../components/FormNotice'
import NewPasswordFields, { newPasswordErrors } from '../../components/NewPasswordFields'
import PageHeader from '../../components/PageHeader'
import SubmitButton from '../../components/SubmitButton'
import { useFormState, useFormSubmit } from '../../hooks/useForm'
import { changePassword, checkForm } from '../../services/auth'
import { PAGES, backOr, openLogin } from '../../services/navigation'
import { isSignedIn, refreshAccount, useSession } from '../../services/session'

const FIELDS = ['currentPassword', 'newPassword', 'confirmPassword'] as const

/**
 * 修改密码: current password + new password (live checklist) + confirmation.
 * The server ends every session of the account (the old token stops working),
 * so unless it answers with a new session the user logs in again.
 */
export default function ChangePasswordPage() {
  const session = useSession()
  const state = useFormState(
    { currentPassword: '', newPassword: '', confirmPassword: '' },
    FIELDS,
  )
  const { form, notice, show, clear } = state
  const username = session.account?.username ?? undefined

  useDidShow(() => {
    if (!isSignedIn()) {
      void openLogin({ redirect: PAGES.changePassword, replace: true })
      return
    }
    if (!session.account) void refreshAccount().catch(() => undefined)
  })

  const [submitting, submit] = useFormSubmit({ clear, show }, async () => {
    const extra = newPasswordErrors('newPassword', form, { username })
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
  })

  return (
    <View className='page change-password-page'>
      <PageHeader title='修改密码' desc='修改后，已登录的设备需要使用新密码重新登录' />
      <FormNotice message={notice} />
      <View className='form-card'>
        <FormFields
          state={state}
          fields={[
            { name: 'currentPassword', label: '当前密码', type: 'password', placeholder: '请输入当前密码', maxLength: 64 },
          ]}
        />
        <NewPasswordFields name='newPassword' state={state} context={{ username }} />
      </View>
      <SubmitButton name='change-password' loading={submitting} onClick={submit}>
        确认修改
      </SubmitButton>
    </View>
  )
}
