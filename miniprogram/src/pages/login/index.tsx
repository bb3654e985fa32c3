import { useState } from 'react'
import { Text, View } from '@tarojs/components'
import Taro, { useRouter } from '@tarojs/taro'
import FormFields from '../../components/FormFields'
import FormNotice from '../../components/FormNotice'
import CaptchaImage from '../../components/Captcha'
import SubmitButton from '../../components/SubmitButton'
import { useCaptcha } from '../../hooks/useCaptcha'
import { useFormState, useFormSubmit } from '../../hooks/useForm'
import { useSubmit } from '../../hooks/useSubmit'
import { login, wechatLogin } from '../../services/auth'
import { PAGES, goAfterSignIn, openPage, pageParam, withQuery } from '../../services/navigation'
import './index.scss'

const FIELDS = ['login', 'password', 'captchaAnswer'] as const

/**
 * 登录: username or mobile number + password. After LOGIN_CAPTCHA_AFTER failures
 * the server answers CAPTCHA_REQUIRED and the captcha appears; a locked account
 * shows the lockout message. weapp: 微信一键登录 (wx.login → bound: signed in;
 * unbound: registration carrying the wechatTicket).
 */
export default function LoginPage() {
  const router = useRouter()
  const redirect = pageParam(router.params, 'redirect')
  const [needCaptcha, setNeedCaptcha] = useState(false)
  const [locked, setLocked] = useState<string>()
  const [remaining, setRemaining] = useState<number>()
  const captcha = useCaptcha()
  const state = useFormState({ login: '', password: '', captchaAnswer: '' }, FIELDS)
  const { form, setForm, notice, show, clear } = state

  const [submitting, submit] = useSubmit(async () => {
    clear()
    setLocked(undefined)
    setRemaining(undefined)
    try {
      await login({
        login: form.login,
        password: form.password,
        ...(needCaptcha ? { captchaId: captcha.captchaId ?? '', captchaAnswer: form.captchaAnswer } : {}),
      })
      void Taro.showToast({ title: '登录成功', icon: 'success', duration: 1200 })
      await goAfterSignIn(redirect)
    } catch (err) {
      const error = show(err)
      if (error.code === 'ACCOUNT_LOCKED') setLocked(error.message)
      else if (error.remainingAttempts !== undefined) setRemaining(error.remainingAttempts)
      if (error.code === 'CAPTCHA_REQUIRED' || error.code === 'CAPTCHA_INVALID' || needCaptcha) {
        // A captcha is spent by every attempt: show a fresh one.
        setNeedCaptcha(true)
        setForm((f) => ({ ...f, captchaAnswer: '' }))
        void captcha.refresh()
      }
    }
  })

  const [wechatBusy, wechatSignIn] = useFormSubmit({ clear, show }, async () => {
    const { code } = await Taro.login()
    const result = await wechatLogin(code)
    if (result.bound) {
      void Taro.showToast({ title: '登录成功', icon: 'success', duration: 1200 })
      await goAfterSignIn(redirect)
    } else {
      void Taro.showModal({
        title: '微信未绑定账号',
        content: '该微信尚未绑定教育卡账号。注册后将自动绑定此微信，下次可一键登录。',
        confirmText: '去注册',
        confirmColor: '#07c160',
      }).then(({ confirm }) => {
        if (confirm) void openPage(withQuery(PAGES.register, { wechatTicket: result.wechatTicket }))
      })
    }
  })

  return (
    <View className='page login-page'>
      <View className='login-page__brand'>
        <View className='login-page__logo'>
          <Text>教</Text>
        </View>
        <Text className='login-page__title'>登录教育卡</Text>
        <Text className='login-page__desc'>学生身份信息认证 · 电子教育卡</Text>
      </View>

      <FormNotice message={locked ? undefined : notice} />
      <FormNotice message={locked} testId='lockout-notice' />

      <View className='form-card'>
        <FormFields
          state={state}
          fields={[
            { name: 'login', label: '账号', placeholder: '用户名或手机号', maxLength: 64 },
            { name: 'password', label: '密码', type: 'password', placeholder: '请输入密码', maxLength: 64 },
          ]}
        />
        {needCaptcha && (
          <FormFields
            state={state}
            fields={[
              {
                name: 'captchaAnswer',
                label: '验证码',
                placeholder: '图中字符',
                maxLength: 16,
                extra: <CaptchaImage image={captcha.image} loading={captcha.loading} onRefresh={() => void captcha.refresh()} />,
              },
            ]}
          />
        )}
      </View>
      {remaining !== undefined && remaining > 0 && (
        <Text className='tips login-remaining' data-testid='login-remaining'>
          还可尝试 {remaining} 次，之后需等待一段时间再试（可用短信验证码重置密码）
        </Text>
      )}

      <SubmitButton name='login' loading={submitting} onClick={submit}>
        登录
      </SubmitButton>

      {process.env.TARO_ENV === 'weapp' && (
        <SubmitButton name='wechat-login' fill='outline' loading={wechatBusy} onClick={wechatSignIn}>
          微信一键登录
        </SubmitButton>
      )}

      <View className='link-row'>
        <Text className='link-row__item link-register' onClick={() => void openPage(PAGES.register)}>
          注册账号
        </Text>
        <View className='link-row__sep' />
        <Text className='link-row__item link-forgot-password' onClick={() => void openPage(PAGES.forgotPassword)}>
          忘记密码
        </Text>
        <View className='link-row__sep' />
        <Text className='link-row__item link-find-username' onClick={() => void openPage(PAGES.findUsername)}>
          找回用户名
        </Text>
      </View>
      <View className='link-row link-row--secondary'>
        <Text className='link-row__item link-teacher-activation' onClick={() => void openPage(PAGES.teacherActivation)}>
          我是教师，激活账号
        </Text>
      </View>
    </View>
  )
}
