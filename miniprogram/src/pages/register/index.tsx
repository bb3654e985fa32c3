import { useState } from 'react'
import { Button as NativeButton, Text, View } from '@tarojs/components'
import type { BaseEventOrig, ButtonProps } from '@tarojs/components'
import Taro, { useRouter } from '@tarojs/taro'
import { validatePassword } from '../../../../domain/account/credentials'
import { RegisterRequestSchema, type FamilyRole } from '../../../../domain/api/auth'
import { errorMessage, type FieldErrors } from '../../../../domain/errors'
import Field from '../../components/Field'
import FormNotice from '../../components/FormNotice'
import PageHeader from '../../components/PageHeader'
import PasswordChecklist from '../../components/PasswordChecklist'
import SmsCodeButton from '../../components/SmsCodeButton'
import SubmitButton from '../../components/SubmitButton'
import { useFormErrors } from '../../hooks/useFormErrors'
import { useSubmit } from '../../hooks/useSubmit'
import { agreementOf, checkForm, register, wechatPhone } from '../../services/auth'
import { PAGES, goAfterSignIn, openPage, pageParam } from '../../services/navigation'
import AgreementCheck from './AgreementCheck'
import IdentitySegmented from './IdentitySegmented'
import './index.scss'

const FIELDS = ['identity', 'phone', 'smsCode', 'username', 'password', 'confirmPassword', 'agreement'] as const
type FieldName = (typeof FIELDS)[number]

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
  const [form, setForm] = useState({ phone: '', smsCode: '', username: '', password: '', confirmPassword: '' })
  const [agreed, setAgreed] = useState(false)
  const [phoneTicket, setPhoneTicket] = useState<PhoneTicket>()
  const { errors, notice, show, clear, setFieldError } = useFormErrors(FIELDS)

  const edit = (field: Exclude<FieldName, 'identity' | 'agreement'>) => (value: string) => {
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
    } catch (err) {
      const error = show(err)
      if (error.code === 'TICKET_INVALID' && phoneTicket) {
        // The number typed differs from the one WeChat verified, or the ticket expired: verify again.
        setPhoneTicket(undefined)
        setFieldError('phone', '手机号与微信验证的号码不一致或验证已过期，请重新验证')
      }
    }
  })

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
      <PageHeader title='注册账号' desc='注册后可为学生办理身份认证、领取电子教育卡' />
      {wechatTicket && (
        <FormNotice tone='info' message='注册完成后将自动绑定当前微信，下次可使用微信一键登录。' />
      )}
      <FormNotice message={notice} />

      <Text className='section-title'>选择身份</Text>
      <IdentitySegmented value={identity} onChange={setIdentity} />

      <Text className='section-title'>验证手机号</Text>
      <View className='form-card'>
        <Field
          name='phone'
          label='手机号'
          type='number'
          placeholder='请输入 11 位手机号'
          maxLength={11}
          value={form.phone}
          onChange={edit('phone')}
          error={errors.phone}
          hint={
            phoneTicket
              ? form.phone
                ? `已通过微信验证（${phoneTicket.masked}）`
                : `已通过微信验证 ${phoneTicket.masked}，请填写该完整号码`
              : undefined
          }
        />
        {!phoneTicket && (
          <Field
            name='smsCode'
            label='验证码'
            type='number'
            placeholder='6 位短信验证码'
            maxLength={6}
            value={form.smsCode}
            onChange={edit('smsCode')}
            error={errors.smsCode}
            extra={
              <SmsCodeButton
                phone={form.phone}
                purpose='register'
                onError={(err) => {
                  show(err)
                }}
              />
            }
          />
        )}
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
        <Field
          name='username'
          label='用户名'
          placeholder='字母开头，4–20 位'
          maxLength={20}
          value={form.username}
          onChange={edit('username')}
          error={errors.username}
          hint='字母、数字或下划线，注册后不可修改'
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
