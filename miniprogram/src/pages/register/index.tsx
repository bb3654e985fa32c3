import { useState } from 'react'
import { Button as NativeButton, Text, View } from '@tarojs/components'
import type { BaseEventOrig, ButtonProps } from '@tarojs/components'
import Taro, { useRouter } from '@tarojs/taro'
import { RegisterRequestSchema, type FamilyRole } from '../../../../domain/api/auth'
import FormFields from '../../components/FormFields'
import FormNotice from '../../components/FormNotice'
import NewPasswordFields, { newPasswordErrors } from '../../components/NewPasswordFields'
import PageHeader from '../../components/PageHeader'
import PhoneCodeFields from '../../components/PhoneCodeFields'
import SubmitButton from '../../components/SubmitButton'
import { useFormState, useFormSubmit } from '../../hooks/useForm'
import { agreementOf, checkForm, register, wechatPhone } from '../../services/auth'
import { PAGES, goAfterSignIn, openPage, pageParam } from '../../services/navigation'
import AgreementCheck from './AgreementCheck'
import IdentitySegmented from './IdentitySegmented'
import PrivacyPopup from '../../components/PrivacyPopup'
import './index.scss'

const FIELDS = ['identity', 'phone', 'smsCode', 'username', 'password', 'confirmPassword', 'agreement'] as const

interface PhoneTicket {
  ticket: string
  masked: string
}

/**
 * 注册账号: identity (家长 / 学生), phone proven by an SMS code (or, in weapp, by
 * WeChat's phone button → phone ticket), username, password with its live
 * checklist, confirmation, and the agreement to both texts (their versions are
 * sent and recorded). A `wechatTicket` page parameter (from 微信一键登录 of an
 * unbound WeChat user) is sent along so the new account is bound to WeChat.
 */
export default function RegisterPage() {
  const router = useRouter()
  const wechatTicket = pageParam(router.params, 'wechatTicket')
  const [identity, setIdentity] = useState<FamilyRole>('parent')
  const [agreed, setAgreed] = useState(false)
  const [phoneTicket, setPhoneTicket] = useState<PhoneTicket>()
  const state = useFormState(
    { phone: '', smsCode: '', username: '', password: '', confirmPassword: '' },
    FIELDS,
  )
  const { form, setForm, errors, notice, show, clear, setFieldError } = state

  const [submitting, submit] = useFormSubmit(
    { clear, show },
    async () => {
      const extra = newPasswordErrors('password', form, { username: form.username, phone: form.phone })
      const body = {
        identity,
        phone: form.phone,
        ...(phoneTicket ? { phoneTicket: phoneTicket.ticket } : { smsCode: form.smsCode }),
        ...(wechatTicket ? { wechatTicket } : {}),
        username: form.username,
        password: form.password,
        agreement: agreementOf(agreed),
      }
      await register(checkForm(RegisterRequestSchema, body, extra))
      void Taro.showToast({ title: '注册成功', icon: 'success', duration: 1500 })
      await goAfterSignIn(undefined)
    },
    {
      onError: (error) => {
        if (error.code === 'TICKET_INVALID' && phoneTicket) {
          // The number typed differs from the one WeChat verified, or the ticket expired: verify again.
          setPhoneTicket(undefined)
          setFieldError('phone', '手机号与微信验证的号码不一致或验证已过期，请重新验证')
        }
      },
    },
  )

  const onWechatPhone = async (e: BaseEventOrig<ButtonProps.onGetPhoneNumberEventDetail>) => {
    const code = e.detail.code
    if (!code) {
      // Declined, or WeChat could not provide the number: the SMS code stays available.
      void Taro.showToast({ title: '未获取到微信手机号，请使用短信验证码', icon: 'none' })
      return
    }
    try {
      const result = await wechatPhone(code)
      setPhoneTicket({ ticket: result.phoneTicket, masked: result.phoneMasked })
      if (result.phone) setForm((f) => ({ ...f, phone: result.phone ?? f.phone }))
      clear('phone')
      clear('smsCode')
    } catch (err) {
      show(err)
    }
  }

  return (
    <View className='page register-page'>
      <PrivacyPopup />
      <PageHeader title='注册账号' desc='注册后可为学生办理身份认证、领取电子教育卡' />
      {wechatTicket && (
        <FormNotice tone='info' message='注册完成后将自动绑定当前微信，下次可使用微信一键登录。' />
      )}
      <FormNotice message={notice} />

      <Text className='section-title'>选择身份</Text>
      <IdentitySegmented value={identity} onChange={setIdentity} />

      <Text className='section-title'>验证手机号</Text>
      <View className='form-card'>
        <PhoneCodeFields
          state={state}
          purpose='register'
          phonePlaceholder='请输入 11 位手机号'
          phoneHint={
            phoneTicket
              ? form.phone
                ? `已通过微信验证（${phoneTicket.masked}）`
                : `已通过微信验证 ${phoneTicket.masked}，请填写该完整号码`
              : undefined
          }
          withCode={!phoneTicket}
        />
      </View>
      {process.env.TARO_ENV === 'weapp' && !phoneTicket && (
        <NativeButton
          className='wechat-phone-button'
          openType='getPhoneNumber'
          onGetPhoneNumber={(e) => void onWechatPhone(e)}
        >
          微信手机号快捷填写
        </NativeButton>
      )}

      <Text className='section-title'>设置账号</Text>
      <View className='form-card'>
        <FormFields
          state={state}
          fields={[
            { name: 'username', label: '用户名', placeholder: '字母开头，4–20 位', maxLength: 20, hint: '字母、数字或下划线，注册后不可修改' },
          ]}
        />
        <NewPasswordFields
          name='password'
          state={state}
          context={{ username: form.username, phone: form.phone }}
        />
      </View>

      <AgreementCheck
        checked={agreed}
        onChange={(value) => {
          setAgreed(value)
          clear('agreement')
        }}
        error={errors.agreement}
      />

      <SubmitButton name='register' loading={submitting} onClick={submit}>
        注册
      </SubmitButton>

      <View className='link-row'>
        <Text className='link-row__item'>已有账号？</Text>
        <Text className='link-row__item link-login' onClick={() => void openPage(PAGES.login)}>
          去登录
        </Text>
      </View>
    </View>
  )
}
