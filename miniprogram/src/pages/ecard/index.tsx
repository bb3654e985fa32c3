import { useState } from 'react'
import { Text, View } from '@tarojs/components'
import Taro, { useDidHide, useDidShow, useRouter } from '@tarojs/taro'
import type { EcardView } from '../../../../domain/api/ecard'
import FormNotice from '../../components/FormNotice'
import QrCode from '../../components/QrCode'
import { formatCardNumber } from '../../services/ecard'
import { PAGES, openPage, pageParam, withQuery } from '../../services/navigation'
import { formatChinaDate, formatChinaDateTime } from '../../utils/format'
import { useEcard } from './useEcard'
import './index.scss'

const isWeapp = process.env.TARO_ENV === 'weapp'

function keepScreenOn(on: boolean): void {
  // The gate scan may take a while: keep the phone awake while the code is shown (weapp; H5 has no such API).
  if (isWeapp) void Taro.setKeepScreenOn({ keepScreenOn: on }).catch(() => undefined)
}

function classLine(view: EcardView): string {
  return [view.gradeLabel, view.className].filter(Boolean).join(' ') || '—'
}

function QrPanel({ state }: { state: ReturnType<typeof useEcard> }) {
  const { view, loading, secondsToRefresh, stale, refresh, error } = state
  if (!view) return null
  if (view.status !== 'valid' || !view.token) {
    const revoked = view.status === 'revoked'
    return (
      <View className='ecard-qr ecard-qr--empty' data-testid='ecard-no-qr'>
        <Text className='ecard-qr__empty-title'>{revoked ? '电子教育卡已撤销' : '电子教育卡尚未发放'}</Text>
        {revoked && view.revokedReason && (
          <Text className='ecard-qr__revoked-reason' data-testid='ecard-revoked-reason'>
            撤销原因：{view.revokedReason}
          </Text>
        )}
        {revoked && view.revokedAt && (
          <Text className='ecard-qr__revoked-at' data-testid='ecard-revoked-at'>
            撤销时间：{formatChinaDateTime(view.revokedAt)}
          </Text>
        )}
        <Text className='ecard-qr__empty-desc'>
          {revoked ? '该卡已不能用于身份核验。如有疑问，请联系学校或教育卡管理中心。' : '学生身份认证通过后将自动发放电子教育卡，届时可在此出示二维码。'}
        </Text>
      </View>
    )
  }
  return (
    <View className='ecard-qr'>
      <Text className='ecard-qr__hint'>向老师或校门核验设备出示此二维码</Text>
      <View className='ecard-qr__frame'>
        <QrCode value={view.token} dimmed={stale} className='ecard-qr__code' testId='ecard-qr' />
        {stale && (
          <View className='ecard-qr__overlay' onClick={refresh}>
            <Text>二维码已失效，点击刷新</Text>
          </View>
        )}
      </View>
      {/* The token as text: invisible, selectable (for support and tests). */}
      <Text className='ecard-qr__token' data-testid='ecard-token' userSelect>
        {view.token}
      </Text>
      <View className='ecard-qr__footer'>
        <Text className='ecard-qr__countdown' data-testid='ecard-countdown'>
          {loading ? '正在刷新二维码…' : secondsToRefresh !== undefined ? `二维码 ${secondsToRefresh} 秒后自动刷新` : ''}
        </Text>
        <View className='ecard-qr__refresh btn-ecard-refresh' data-testid='ecard-refresh' onClick={refresh}>
          <Text>刷新</Text>
        </View>
      </View>
      {error && <Text className='ecard-qr__error'>刷新失败：{error}</Text>}
    </View>
  )
}

/**
 * 电子卡: the student's electronic education card (name, school, grade and
 * class, card number, status, validity) and a QR code of a short-lived signed
 * token that renews itself before it expires.
 */
export default function EcardPage() {
  const router = useRouter()
  const studentId = pageParam(router.params, 'studentId')
  const [shown, setShown] = useState(true)
  const state = useEcard(studentId, shown)
  const { view, error } = state

  useDidShow(() => {
    setShown(true)
    keepScreenOn(true)
  })
  useDidHide(() => {
    setShown(false)
    keepScreenOn(false)
  })

  if (!studentId) {
    return (
      <View className='page ecard-page'>
        <FormNotice message='缺少学生信息，请从「我的」进入电子卡。' />
      </View>
    )
  }

  const status = view?.status ?? 'loading'
  return (
    <View className='page ecard-page'>
      <View className={`ecard-page__backdrop ecard-page__backdrop--${status}`} />
      {!view && error && <FormNotice message={error} testId='ecard-error' />}
      {(view || !error) && (
        <View className={`ecard ecard--${status}`} data-testid='ecard' data-status={status}>
          <View className='ecard__brand'>
            <View className='ecard__emblem'>
              <Text>教</Text>
            </View>
            <View className='ecard__brand-text'>
              <Text className='ecard__title'>江苏省中小学教育卡</Text>
              <Text className='ecard__subtitle'>电子卡 · E-CARD</Text>
            </View>
            {view && (
              <Text className={`ecard__status ecard__status--${view.status}`} data-testid='ecard-status'>
                {view.statusLabel}
              </Text>
            )}
          </View>

          <View className='ecard__holder'>
            <Text className='ecard__name' data-testid='ecard-name'>
              {view ? view.name ?? '—' : '加载中…'}
            </Text>
            <Text className='ecard__school' data-testid='ecard-school'>
              {view?.schoolName ?? ''}
            </Text>
            <Text className='ecard__class' data-testid='ecard-class'>
              {view ? classLine(view) : ''}
            </Text>
          </View>

          <View className='ecard__meta'>
            <View className='ecard__meta-item'>
              <Text className='ecard__meta-label'>卡号</Text>
              <Text className='ecard__meta-value ecard__number' data-testid='ecard-number' data-value={view?.cardNumber ?? ''}>
                {view?.cardNumber ? formatCardNumber(view.cardNumber) : '未发卡'}
              </Text>
            </View>
            <View className='ecard__meta-item ecard__meta-item--right'>
              <Text className='ecard__meta-label'>有效期</Text>
              <Text className='ecard__meta-value' data-testid='ecard-validity'>
                {view?.validity ?? '—'}
              </Text>
            </View>
          </View>
        </View>
      )}

      <QrPanel state={state} />

      {view?.issuedAt && <Text className='ecard-page__issued'>发卡日期 {formatChinaDate(view.issuedAt)}</Text>}
      <View className='ecard-page__links'>
        {view?.status === 'valid' && (
          <Text className='link ecard-page__link link-comm-card' onClick={() => void openPage(withQuery(PAGES.commCard, { studentId }))}>
            通讯卡（自愿选用）
          </Text>
        )}
      </View>
      <Text className='tips'>
        二维码定时更新，截图或转发的二维码会很快失效。电子教育卡仅用于本人学生身份核验，请勿借给他人使用。
      </Text>
    </View>
  )
}
