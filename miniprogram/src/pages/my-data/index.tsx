import { useState } from 'react'
import { Text, View } from '@tarojs/components'
import Taro, { useDidShow } from '@tarojs/taro'
import type { DataExport } from '../../../../domain/api/account-data'
import { ACCOUNT_ROLE_LABELS, type AccountRole } from '../../../../domain/api/auth'
import PageHeader from '../../components/PageHeader'
import PageState from '../../components/PageState'
import SubmitButton from '../../components/SubmitButton'
import { toAppError } from '../../hooks/useFormErrors'
import { exportMyData } from '../../services/account-data'
import { PAGES, openLogin, openPage } from '../../services/navigation'
import { isSignedIn } from '../../services/session'
import { formatChinaDateTime } from '../../utils/format'
import './index.scss'

const isH5 = process.env.TARO_ENV === 'h5'

function Row({ label, value }: { label: string; value: string | null | undefined }) {
  return (
    <View className='data-row'>
      <Text className='data-row__label'>{label}</Text>
      <Text className='data-row__value'>{value || '—'}</Text>
    </View>
  )
}

/** H5: the copy as a JSON file; the mini-program copies it (file downloads are not a mini-program thing). */
function saveCopy(copy: DataExport) {
  const text = JSON.stringify(copy, null, 2)
  if (isH5) {
    const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }))
    const a = document.createElement('a')
    a.href = url
    a.download = `educard-my-data-${copy.generatedAt.slice(0, 10)}.json`
    a.click()
    setTimeout(() => URL.revokeObjectURL(url), 1000)
    return
  }
  void Taro.setClipboardData({ data: text }).then(() => Taro.showToast({ title: '已复制全部数据', icon: 'none' }))
}

/**
 * 我的数据: the copy of what EduCard holds about the family (ID numbers and
 * phones masked), section by section, and the whole copy to keep.
 */
export default function MyDataPage() {
  const [copy, setCopy] = useState<DataExport>()
  const [error, setError] = useState<string>()

  const load = () => {
    setError(undefined)
    exportMyData()
      .then(setCopy)
      .catch((err) => setError(toAppError(err).message))
  }

  useDidShow(() => {
    if (!isSignedIn()) {
      void openLogin({ redirect: PAGES.myData, replace: true })
      return
    }
    load()
  })

  if (!copy) {
    return (
      <View className='page my-data-page'>
        <PageState loading={!error} error={error} onRetry={load} />
      </View>
    )
  }

  return (
    <View className='page my-data-page' data-testid='my-data'>
      <PageHeader title='我的数据' desc={`生成于 ${formatChinaDateTime(copy.generatedAt)}。${copy.notice}`} />
      <View className='form-card data-section' data-testid='my-data-account'>
        <Text className='data-section__title'>账号</Text>
        <Row label='用户名' value={copy.account.username} />
        <Row label='身份' value={ACCOUNT_ROLE_LABELS[copy.account.role as AccountRole] ?? copy.account.role} />
        <Row label='手机号' value={copy.account.phoneMasked} />
        <Row label='微信' value={copy.account.wechatBound ? '已绑定' : '未绑定'} />
        <Row label='注册时间' value={formatChinaDateTime(copy.account.createdAt)} />
        {copy.agreements.map((a, i) => (
          <Row key={i} label={a.document === 'privacy_policy' ? '同意隐私政策' : '同意儿童个人信息保护规则'} value={`${a.version} · ${formatChinaDateTime(a.agreedAt)}`} />
        ))}
      </View>
      {copy.students.map((s) => (
        <View key={s.id} className='form-card data-section' data-testid='my-data-student'>
          <Text className='data-section__title'>学生 · {s.profile?.name ?? '未填写'}</Text>
          <Row label='认证状态' value={s.statusLabel} />
          <Row label='教育卡号' value={s.cardNumber ? `${s.cardNumber}${s.cardStatus === 'revoked' ? '（已撤销）' : ''}` : null} />
          {s.profile && (
            <>
              <Row label='身份证号' value={s.profile.residentIdMasked} />
              <Row label='学校' value={[s.profile.schoolName, s.profile.gradeLabel, s.profile.className].filter(Boolean).join(' ')} />
              {s.profile.guardians.map((g, i) => (
                <Row key={i} label={`监护人（${g.relationLabel}）`} value={`${g.name} · ${g.phoneMasked} · ${g.residentIdMasked}`} />
              ))}
            </>
          )}
          <Row label='提交记录' value={s.submissions.length > 0 ? `${s.submissions.length} 次` : '未提交'} />
          <Row label='通讯卡' value={s.commCard ? `${s.commCard.phoneMasked}` : '未绑定'} />
          <Row label='订单' value={s.orders.length > 0 ? `${s.orders.length} 笔` : '无'} />
        </View>
      ))}
      <View className='form-card data-section'>
        <Text className='data-section__title'>其他记录</Text>
        <Row label='收到的通知' value={`${copy.notices.length} 条`} />
        <Row label='发送给您的消息' value={`${copy.messages.length} 条`} />
        <Row label='登录记录' value={`${copy.signIns.length} 次`} />
        <Row label='账号操作记录' value={`${copy.activity.length} 条`} />
      </View>
      <SubmitButton name='my-data-save' loading={false} onClick={() => saveCopy(copy)}>
        {isH5 ? '下载完整数据（JSON）' : '复制完整数据'}
      </SubmitButton>
      <Text className='tips link' onClick={() => void openPage(PAGES.accountCancel)}>
        不再使用？注销账号并删除以上数据
      </Text>
    </View>
  )
}
