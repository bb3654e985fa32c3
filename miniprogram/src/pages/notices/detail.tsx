import { useState } from 'react'
import { Text, View } from '@tarojs/components'
import Taro, { useDidShow, useRouter } from '@tarojs/taro'
import type { NoticeDetail } from '../../../../domain/api/notices'
import FormNotice from '../../components/FormNotice'
import PageState from '../../components/PageState'
import SubmitButton from '../../components/SubmitButton'
import { toAppError } from '../../hooks/useFormErrors'
import { useRequireSignIn } from '../../hooks/useRequireSignIn'
import { useSubmit } from '../../hooks/useSubmit'
import { PAGES, openPage, pageParam, withQuery } from '../../services/navigation'
import NoticeAttachments from '../../components/EvidenceAttachments/NoticeAttachments'
import { confirmNotice, getNotice } from '../../services/notices'
import { formatChinaDate, formatChinaDateTime } from '../../utils/format'
import { ConfirmBadge, TypeTag, dueText } from './parts'
import './detail.scss'

/**
 * One notice (pages/notices/detail?id=…, the page the list and the WeChat
 * messages open: domain/messaging/messages.ts noticeDetailPage). For a family, loading it marks it read;
 * 确认已阅 when the teacher asked for it, then 已确认 with the time. For its
 * author: the counts and 查看回执. The body is plain text shown as text
 * (selectable, line breaks kept), never as HTML.
 */
export default function NoticeDetailPage() {
  const signedIn = useRequireSignIn()
  const router = useRouter()
  const id = pageParam(router.params, 'id')
  const [notice, setNotice] = useState<NoticeDetail>()
  const [error, setError] = useState<string>()
  const [confirmError, setConfirmError] = useState<string>()

  const load = async () => {
    if (!signedIn) return
    if (!id) {
      setError('缺少通知编号，请从通知列表打开')
      return
    }
    try {
      setNotice(await getNotice(id))
      setError(undefined)
    } catch (err) {
      setError(toAppError(err).message)
    }
  }

  useDidShow(() => void load())

  const [confirming, confirm] = useSubmit(async () => {
    if (!id) return
    setConfirmError(undefined)
    try {
      const { confirmedAt } = await confirmNotice(id)
      setNotice((prev) =>
        prev ? { ...prev, canConfirm: false, students: prev.students.map((s) => ({ ...s, confirmedAt: s.confirmedAt ?? confirmedAt })) } : prev,
      )
      void Taro.showToast({ title: '已确认', icon: 'success' })
    } catch (err) {
      const e = toAppError(err)
      setConfirmError(e.message)
      void Taro.showToast({ title: e.message, icon: 'none' })
    }
  })

  if (!notice) {
    return (
      <View className='page notice-detail-page'>
        <PageState loading error={error} onRetry={() => void load()} />
      </View>
    )
  }

  const confirmedAt = notice.students.map((s) => s.confirmedAt).find((v): v is string => v !== null) ?? null
  const family = notice.viewer === 'family'

  return (
    <View className='page notice-detail-page' data-testid='notice-detail' data-notice-id={notice.id} data-viewer={notice.viewer}>
      <View className='notice-article'>
        <View className='notice-article__tags'>
          <TypeTag type={notice.type} />
          {family && <ConfirmBadge required={notice.requiresConfirmation} confirmedAt={confirmedAt} />}
        </View>
        <Text className='notice-article__title' data-testid='notice-title' selectable userSelect>
          {notice.title}
        </Text>
        <View className='notice-article__meta'>
          <Text data-testid='notice-author'>{notice.authorName}</Text>
          <Text className='notice-article__sep'>·</Text>
          <Text data-testid='notice-date'>{formatChinaDate(notice.createdAt)}</Text>
          <Text className='notice-article__sep'>·</Text>
          <Text data-testid='notice-classes'>{notice.classNames.join('、')}</Text>
        </View>
        {notice.dueDate && (
          <View className='notice-article__due' data-testid='notice-due'>
            <Text>{dueText(notice.dueDate)}</Text>
          </View>
        )}
        {/* Plain text: a Text child, never rich text; white-space: pre-wrap keeps the line breaks. */}
        <Text className='notice-article__body' data-testid='notice-body' selectable userSelect>
          {notice.body}
        </Text>
      </View>

      <NoticeAttachments key={notice.id} noticeId={notice.id} attachments={notice.attachments} canAdd={notice.editableUntil !== null} />

      {family && notice.students.length > 0 && (
        <View className='notice-students' data-testid='notice-students'>
          {notice.students.map((s) => (
            <View className='notice-students__row' key={s.studentId} data-student-id={s.studentId}>
              <Text className='notice-students__name'>{s.studentNameMasked}</Text>
              <Text className='notice-students__state'>
                {s.confirmedAt ? `已确认 ${formatChinaDateTime(s.confirmedAt)}` : s.readAt ? `已读 ${formatChinaDateTime(s.readAt)}` : '未读'}
              </Text>
            </View>
          ))}
        </View>
      )}

      {family && notice.requiresConfirmation && (
        <View className='notice-confirm'>
          {notice.canConfirm && !confirmedAt ? (
            <>
              <Text className='notice-confirm__hint'>老师请家长阅读后确认</Text>
              <FormNotice message={confirmError} />
              <SubmitButton name='confirm-notice' loading={confirming} onClick={confirm}>
                确认已阅
              </SubmitButton>
            </>
          ) : confirmedAt ? (
            <View className='notice-confirm__done' data-testid='notice-confirmed'>
              <Text className='notice-confirm__check'>✓</Text>
              <Text>已确认 · {formatChinaDateTime(confirmedAt)}</Text>
            </View>
          ) : null}
        </View>
      )}

      {!family && notice.counts && (
        <View className='notice-author-counts' data-testid='notice-counts'>
          <Text>
            已读 {notice.counts.opened}/{notice.counts.total}
            {notice.requiresConfirmation ? ` · 已确认 ${notice.counts.confirmed}` : ''} · 未读 {notice.counts.unread}
          </Text>
          <SubmitButton
            name='open-receipts'
            fill='outline'
            loading={false}
            onClick={() => void openPage(withQuery(PAGES.noticeReceipts, { id: notice.id }))}
          >
            查看回执
          </SubmitButton>
        </View>
      )}
    </View>
  )
}
