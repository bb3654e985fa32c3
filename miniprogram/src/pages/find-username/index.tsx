import { useState } from 'react'
import { Text, View } from '@tarojs/components'
import type { z } from 'zod'
import {
  ACCOUNT_ROLE_LABELS,
  RecoverUsernameRequestSchema,
  type RecoverUsernameResponseSchema,
} from '../../../../domain/api/auth'
import FormNotice from '../../components/FormNotice'
import PageHeader from '../../components/PageHeader'
import PhoneCodeFields from '../../components/PhoneCodeFields'
import SubmitButton from '../../components/SubmitButton'
import { useFormErrors } from '../../hooks/useFormErrors'
import { useSubmit } from '../../hooks/useSubmit'
import { checkForm, recoverUsername } from '../../services/auth'
import { PAGES, openLogin, openPage } from '../../services/navigation'
import { formatChinaDate } from '../../utils/format'
import './index.scss'

const FIELDS = ['phone', 'smsCode'] as const
type FieldName = (typeof FIELDS)[number]
type Found = z.infer<typeof RecoverUsernameResponseSchema>['usernames']

/** 找回用户名: phone + SMS code → the usernames registered with it, whole (role, date), or a clear empty state. */
export default function FindUsernamePage() {
  const [form, setForm] = useState({ phone: '', smsCode: '' })
  const [found, setFound] = useState<Found>()
  const { errors, notice, show, clear } = useFormErrors(FIELDS)

  const edit = (field: FieldName) => (value: string) => {
    setForm((f) => ({ ...f, [field]: value }))
    clear(field)
  }

  const [submitting, submit] = useSubmit(async () => {
    clear()
    try {
      const body = checkForm(RecoverUsernameRequestSchema, { phone: form.phone, smsCode: form.smsCode })
      const result = await recoverUsername(body)
      setFound(result.usernames)
    } catch (err) {
      show(err)
    }
  })

  if (found) {
    return (
      <View className='page find-username-page'>
        <PageHeader
          title={found.length > 0 ? '找到以下账号' : '没有找到账号'}
          desc={
            found.length > 0
              ? '已验证手机号，以下是该手机号注册的全部账号。请牢记用户名，也可以直接使用手机号登录。'
              : '该手机号下没有注册教育卡账号。'
          }
        />
        {found.length > 0 ? (
          <View className='form-card found-list' data-testid='found-usernames'>
            {found.map((item, i) => (
              <View className='found-list__item' key={`${item.username}-${i}`}>
                <View className='found-list__main'>
                  <Text className='found-list__name found-username' userSelect>
                    {item.username}
                  </Text>
                  <Text className='found-list__role'>{ACCOUNT_ROLE_LABELS[item.role]}</Text>
                </View>
                <Text className='found-list__date'>注册于 {formatChinaDate(item.createdAt)}</Text>
              </View>
            ))}
          </View>
        ) : (
          <View className='form-card found-empty' data-testid='found-empty'>
            <View className='found-empty__icon'>
              <Text>?</Text>
            </View>
            <Text className='found-empty__title'>该手机号未注册账号</Text>
            <Text className='found-empty__desc'>请确认手机号是否正确，或直接注册新账号。教师账号请使用学校登记的手机号激活。</Text>
          </View>
        )}
        {found.length > 0 ? (
          <>
            <SubmitButton name='found-login' loading={false} onClick={() => void openLogin({ replace: true })}>
              去登录
            </SubmitButton>
            <SubmitButton
              name='found-forgot-password'
              fill='outline'
              loading={false}
              onClick={() => void openPage(PAGES.forgotPassword)}
            >
              忘记密码
            </SubmitButton>
          </>
        ) : (
          <>
            <SubmitButton name='found-register' loading={false} onClick={() => void openPage(PAGES.register)}>
              注册账号
            </SubmitButton>
            <SubmitButton
              name='found-retry'
              fill='outline'
              loading={false}
              onClick={() => {
                setFound(undefined)
                setForm({ phone: '', smsCode: '' })
              }}
            >
              换个手机号
            </SubmitButton>
          </>
        )}
      </View>
    )
  }

  return (
    <View className='page find-username-page'>
      <PageHeader title='找回用户名' desc='验证注册时使用的手机号，查看该手机号下的账号' />
      <FormNotice message={notice} />
      <View className='form-card'>
        <PhoneCodeFields
          form={form}
          errors={errors}
          edit={edit}
          purpose='find_username'
          onError={(err) => void show(err)}
          phonePlaceholder='注册时使用的手机号'
        />
      </View>
      <SubmitButton name='find-username' loading={submitting} onClick={submit}>
        查询
      </SubmitButton>
      <Text className='tips'>手机号已停用或无法接收短信，请联系客服处理。</Text>
    </View>
  )
}
