import { Text, View } from '@tarojs/components'
import Taro from '@tarojs/taro'
import { ActivateTeacherRequestSchema } from '../../../../domain/api/auth'
import FormFields, { USERNAME_FIELD } from '../../components/FormFields'
import FormNotice from '../../components/FormNotice'
import NewPasswordFields, { newPasswordErrors } from '../../components/NewPasswordFields'
import PageHeader from '../../components/PageHeader'
import PhoneCodeFields from '../../components/PhoneCodeFields'
import SubmitButton from '../../components/SubmitButton'
import { useFormState, useFormSubmit } from '../../hooks/useForm'
import { activateTeacher, checkForm } from '../../services/auth'
import { goAfterSignIn, openLogin } from '../../services/navigation'

const FIELDS = ['phone', 'smsCode', 'username', 'password', 'confirmPassword'] as const

/**
 * 教师激活: a teacher whom the school admin registered with their phone proves
 * the phone (SMS code) and sets a username and password.
 */
export default function TeacherActivationPage() {
  const state = useFormState(
    { phone: '', smsCode: '', username: '', password: '', confirmPassword: '' },
    FIELDS,
  )
  const { form, notice, show, clear } = state

  const [submitting, submit] = useFormSubmit({ clear, show }, async () => {
    const extra = newPasswordErrors('password', form, { username: form.username, phone: form.phone })
    const body = { phone: form.phone, smsCode: form.smsCode, username: form.username, password: form.password }
    checkForm(ActivateTeacherRequestSchema, body, extra)
    const result = await activateTeacher(body)
    void Taro.showToast({ title: '激活成功', icon: 'success', duration: 1500 })
    if (result.signedIn) await goAfterSignIn(undefined)
    else await openLogin({ replace: true })
  })

  return (
    <View className='page teacher-activation-page'>
      <PageHeader title='教师账号激活' desc='使用学校管理员登记的手机号验证身份，设置用户名和密码' />
      <FormNotice message={notice} />
      <View className='form-card'>
        <PhoneCodeFields
          state={state}
          purpose='activate_teacher'
          phonePlaceholder='学校登记的手机号'
        />
      </View>
      <View className='form-card'>
        <FormFields state={state} fields={[USERNAME_FIELD]} />
        <NewPasswordFields
          name='password'
          state={state}
          context={{ username: form.username, phone: form.phone }}
        />
      </View>
      <SubmitButton name='activate' loading={submitting} onClick={submit}>
        激活并登录
      </SubmitButton>
      <Text className='tips'>未收到激活通知或提示“未找到待激活的教师账号”，请联系本校学校管理员核对登记的手机号。</Text>
    </View>
  )
}
