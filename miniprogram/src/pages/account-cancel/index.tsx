import { useState } from 'react'
import { Text, View } from '@tarojs/components'
import Taro, { useDidShow } from '@tarojs/taro'
import type { CancelAccountResponse } from '../../../../domain/api/account-data'
import Field from '../../components/Field'
import FormNotice from '../../components/FormNotice'
import PageHeader from '../../components/PageHeader'
import SmsCodeButton from '../../components/SmsCodeButton'
import SubmitButton from '../../components/SubmitButton'
import { useFormErrors } from '../../hooks/useFormErrors'
import { useSubmit } from '../../hooks/useSubmit'
import { loadAppConfig } from '../../services/app-config'
import { cancelAccount, sendCancellationCode } from '../../services/account-data'
import { PAGES, openLogin, openPage } from '../../services/navigation'
import { isSignedIn, refreshAccount, useSession } from '../../services/session'
import { formatChinaDate } from '../../utils/format'
import './index.scss'

const FIELDS = ['password', 'smsCode'] as const
type FieldName = (typeof FIELDS)[number]

/** What cancelling does, in the order a family needs to read it before it decides. */
const CONSEQUENCES = [
  '名下学生的电子教育卡将被撤销，已出示的二维码核验时显示“已撤销”。',
  '学生资料、监护人信息、提交与审核记录、通讯卡绑定、消息与公告记录将被删除，无法恢复。',
  '同时撤回您对《隐私政策》和《儿童个人信息保护规则》的同意，我们不再处理上述信息。',
  '法律要求留存的操作日志只保留匿名编号（网络安全法规定至少 6 个月），支付记录按财务规定保存；学校的学籍信息属于学校，不受影响。',
  '备份中的数据将按备份周期（最长 35 天）自动过期删除。',
]

/**
 * 注销账号: what it does, then the login password and a code to the bound
 * phone. The server keeps a cool-off (signing in again withdraws it) and
 * signs every device out; this page then shows when the data goes.
 */
export default function AccountCancelPage() {
  const session = useSession()
  const [form, setForm] = useState({ password: '', smsCode: '' })
  const [done, setDone] = useState<CancelAccountResponse>()
  const [coolOffDays, setCoolOffDays] = useState<number>()
  const { errors, notice, show, clear } = useFormErrors(FIELDS)

  useDidShow(() => {
    if (done) return
    if (!isSignedIn()) {
      void openLogin({ redirect: PAGES.accountCancel, replace: true })
      return
    }
    if (!session.account) void refreshAccount().catch(() => undefined)
    void loadAppConfig()
      .then((config) => setCoolOffDays(config.accountCancelCoolOffDays))
      .catch(() => undefined)
  })

  const edit = (field: FieldName) => (value: string) => {
    setForm((f) => ({ ...f, [field]: value }))
    clear(field)
  }

  const [submitting, submit] = useSubmit(async () => {
    clear()
    try {
      const { confirm } = await Taro.showModal({
        title: '确认注销账号',
        content: '注销后学生的电子教育卡将被撤销，资料将被删除。确定继续吗？',
        confirmText: '确认注销',
        confirmColor: '#fa5151',
      })
      if (!confirm) return
      setDone(await cancelAccount(form))
    } catch (err) {
      show(err)
    }
  })

  if (done) {
    return (
      <View className='page account-cancel-page'>
        <View className='form-card cancel-done' data-testid='cancel-done' data-state={done.state}>
          <Text className='cancel-done__title'>{done.state === 'erased' ? '账号已注销' : '注销申请已提交'}</Text>
          <Text className='cancel-done__desc'>
            {done.state === 'erased'
              ? `您的个人信息已删除${done.cardsRevoked > 0 ? `，${done.cardsRevoked} 张电子教育卡已撤销` : ''}。感谢您的使用。`
              : `账号将于 ${formatChinaDate(done.eraseAfter!)} 注销，届时资料将被删除、电子教育卡将被撤销。在此之前重新登录即可撤销注销申请。所有设备已退出登录。`}
          </Text>
        </View>
        <SubmitButton name='cancel-done-home' loading={false} onClick={() => void openPage(PAGES.home)}>
          返回首页
        </SubmitButton>
      </View>
    )
  }

  return (
    <View className='page account-cancel-page'>
      <PageHeader title='注销账号' desc='注销是不可恢复的操作，请仔细阅读以下说明' />
      <View className='form-card cancel-consequences' data-testid='cancel-consequences'>
        {CONSEQUENCES.map((text, i) => (
          <View key={i} className='cancel-consequences__item'>
            <Text className='cancel-consequences__dot'>{i + 1}</Text>
            <Text className='cancel-consequences__text'>{text}</Text>
          </View>
        ))}
        <Text className='cancel-consequences__more link' onClick={() => void openPage(PAGES.myData)}>
          注销前可先查看并保存「我的数据」
        </Text>
      </View>
      <FormNotice message={notice} />
      <View className='form-card'>
        <Field name='password' label='登录密码' type='password' placeholder='当前登录密码' value={form.password} onChange={edit('password')} error={errors.password} />
        <Field
          name='smsCode'
          label='验证码'
          type='number'
          placeholder={`发送到 ${session.account?.phoneMasked ?? '绑定手机号'}`}
          maxLength={6}
          value={form.smsCode}
          onChange={edit('smsCode')}
          error={errors.smsCode}
          extra={<SmsCodeButton phone='' purpose='cancel_account' send={sendCancellationCode} onError={(err) => void show(err)} />}
        />
      </View>
      <SubmitButton name='cancel-account' loading={submitting} onClick={submit}>
        申请注销
      </SubmitButton>
      {coolOffDays !== undefined && (
        <Text className='tips' data-testid='cancel-cool-off'>
          {coolOffDays > 0 ? `为防止误操作，提交后有 ${coolOffDays} 天冷静期，期间重新登录即撤销注销申请。` : '提交后立即注销，无法撤销。'}
        </Text>
      )}
    </View>
  )
}
