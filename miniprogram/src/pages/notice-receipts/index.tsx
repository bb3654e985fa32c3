import { useState } from 'react'
import { Text, View } from '@tarojs/components'
import Taro, { useDidShow, usePullDownRefresh, useRouter } from '@tarojs/taro'
import type { z } from 'zod'
import type { NoticeDetail, ReceiptItemSchema, ReceiptsResponseSchema } from '../../../../domain/api/notices'
import FormNotice from '../../components/FormNotice'
import PageState from '../../components/PageState'
import SubmitButton from '../../components/SubmitButton'
import { toAppError } from '../../hooks/useFormErrors'
import { usePolling } from '../../hooks/usePolling'
import { useRequireSignIn } from '../../hooks/useRequireSignIn'
import { useSubmit } from '../../hooks/useSubmit'
import { pageParam } from '../../services/navigation'
import { getNotice, getReceipts, remindUnread } from '../../services/notices'
import { formatChinaDate, formatChinaDateTime } from '../../utils/format'
import { TypeTag, dueText } from '../notices/parts'
import './index.scss'

type Receipts = z.infer<typeof ReceiptsResponseSchema>
type Receipt = z.infer<typeof ReceiptItemSchema>
type Tab = 'confirmed' | 'read' | 'unread'

const TAB_LABELS: Record<Tab, string> = { confirmed: '已确认', read: '已读', unread: '未读' }

/**
 * 通知回执 (the author): counts and three lists — 已确认 / 已读 / 未读 — with
 * masked student and guardian names; 提醒未读 messages the unread families
 * (once an hour per notice: a 429 shows the server's message). Refreshed every
 * few seconds while the fan-out is still reaching recipients.
 */
export default function NoticeReceiptsPage() {
  const signedIn = useRequireSignIn()
  const router = useRouter()
  const id = pageParam(router.params, 'id')
  const [notice, setNotice] = useState<NoticeDetail>()
  const [receipts, setReceipts] = useState<Receipts>()
  const [error, setError] = useState<string>()
  const [tab, setTab] = useState<Tab | undefined>()
  const [remindNotice, setRemindNotice] = useState<{ tone: 'error' | 'success'; message: string }>()

  const load = async () => {
    if (!signedIn) return
    if (!id) {
      setError('缺少通知编号，请从已发通知打开')
      return
    }
    try {
      const [n, r] = await Promise.all([notice ? Promise.resolve(notice) : getNotice(id), getReceipts(id)])
      setNotice(n)
      setReceipts(r)
      setError(undefined)
    } catch (err) {
      setError(toAppError(err).message)
    }
  }

  useDidShow(() => void load())
  usePullDownRefresh(() => void load().finally(() => Taro.stopPullDownRefresh()))
  // While the fan-out is still running (and a little after publishing): keep the lists fresh.
  usePolling(load, 3000, Boolean(receipts && !receipts.complete))

  const [reminding, remind] = useSubmit(async () => {
    if (!id) return
    setRemindNotice(undefined)
    try {
      const result = await remindUnread(id)
      setRemindNotice({ tone: 'success', message: `已提醒 ${result.unread} 位未读的家长，下次可在 ${formatChinaDateTime(result.nextRemindAt)} 后提醒` })
      void load()
    } catch (err) {
      const e = toAppError(err)
      setRemindNotice({ tone: 'error', message: e.message })
      void Taro.showToast({ title: e.message, icon: 'none', duration: 2500 })
    }
  })

  if (!receipts || !notice) {
    return (
      <View className='page receipts-page'>
        <PageState loading error={error} onRetry={() => void load()} />
      </View>
    )
  }

  // Without 家长需确认 nobody confirms: no 已确认 tab, and the page opens on 已读.
  const tabs: Tab[] = notice.requiresConfirmation ? ['confirmed', 'read', 'unread'] : ['read', 'unread']
  const current: Tab = tab && tabs.includes(tab) ? tab : tabs[0]!
  const lists: Record<Tab, Receipt[]> = { confirmed: receipts.confirmed, read: receipts.read, unread: receipts.unread }
  const counts: Record<Tab, number> = { confirmed: receipts.counts.confirmed, read: receipts.counts.read, unread: receipts.counts.unread }
  const rows = lists[current]

  return (
    <View className='page receipts-page' data-testid='receipts-page' data-complete={receipts.complete ? 'true' : 'false'}>
      <View className='receipts-head'>
        <View className='receipts-head__line'>
          <TypeTag type={notice.type} />
          <Text className='receipts-head__title' data-testid='receipts-title'>
            {notice.title}
          </Text>
        </View>
        <Text className='receipts-head__meta'>
          {formatChinaDate(notice.createdAt)} · {notice.classNames.join('、')}
          {notice.dueDate ? ` · ${dueText(notice.dueDate)}` : ''}
          {notice.requiresConfirmation ? ' · 家长需确认' : ''}
        </Text>
        <View className='receipts-counts' data-testid='receipts-counts'>
          <View className='receipts-counts__item'>
            <Text className='receipts-counts__num' data-testid='count-total'>
              {receipts.counts.total}
            </Text>
            <Text className='receipts-counts__label'>应读</Text>
          </View>
          {notice.requiresConfirmation && (
            <View className='receipts-counts__item'>
              <Text className='receipts-counts__num receipts-counts__num--green' data-testid='count-confirmed'>
                {receipts.counts.confirmed}
              </Text>
              <Text className='receipts-counts__label'>已确认</Text>
            </View>
          )}
          <View className='receipts-counts__item'>
            <Text className='receipts-counts__num' data-testid='count-read'>
              {receipts.counts.read}
            </Text>
            <Text className='receipts-counts__label'>已读</Text>
          </View>
          <View className='receipts-counts__item'>
            <Text className='receipts-counts__num receipts-counts__num--red' data-testid='count-unread'>
              {receipts.counts.unread}
            </Text>
            <Text className='receipts-counts__label'>未读</Text>
          </View>
        </View>
        {!receipts.complete && (
          <Text className='receipts-head__sending' data-testid='receipts-sending'>
            正在推送给家长，名单可能还会增加…
          </Text>
        )}
      </View>

      <View className='receipts-tabs'>
        {tabs.map((t) => (
          <View
            key={t}
            className={`receipts-tabs__item tab-${t}${t === current ? ' receipts-tabs__item--active' : ''}`}
            data-testid={`tab-${t}`}
            onClick={() => setTab(t)}
          >
            <Text>
              {TAB_LABELS[t]}（{counts[t]}）
            </Text>
          </View>
        ))}
      </View>

      <View className='receipts-list' data-testid={`list-${current}`}>
        {rows.length === 0 ? (
          <Text className='receipts-list__empty'>暂无</Text>
        ) : (
          rows.map((r) => (
            <View className='receipt-row' key={r.studentId} data-testid='receipt-row' data-student-id={r.studentId}>
              <View className='receipt-row__main'>
                <Text className='receipt-row__name' data-testid='receipt-student'>
                  {r.studentNameMasked}
                </Text>
                <Text className='receipt-row__sub'>
                  {r.className ?? ''}
                  {r.guardianNameMasked ? ` · 家长 ${r.guardianNameMasked}` : ''}
                </Text>
              </View>
              <Text className='receipt-row__time'>
                {r.confirmedAt ? `${formatChinaDateTime(r.confirmedAt)} 确认` : r.readAt ? `${formatChinaDateTime(r.readAt)} 阅读` : '未读'}
              </Text>
            </View>
          ))
        )}
      </View>

      <View className='receipts-remind'>
        {remindNotice && <FormNotice tone={remindNotice.tone} testId='remind-notice' message={remindNotice.message} />}
        <SubmitButton name='remind-unread' fill='outline' loading={reminding} disabled={receipts.counts.unread === 0} onClick={remind}>
          提醒未读（{receipts.counts.unread}）
        </SubmitButton>
        <Text className='receipts-remind__hint' data-testid='remind-hint'>
          {receipts.nextRemindAt
            ? `每条通知每小时可提醒一次，下次可提醒：${formatChinaDateTime(receipts.nextRemindAt)}`
            : receipts.lastRemindedAt
              ? `上次提醒：${formatChinaDateTime(receipts.lastRemindedAt)}`
              : '将通过微信再次提醒还未阅读的家长'}
        </Text>
      </View>
    </View>
  )
}
