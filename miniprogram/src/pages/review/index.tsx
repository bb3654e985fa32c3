import { useRef, useState } from 'react'
import { Text, View } from '@tarojs/components'
import Taro, { useDidShow, usePullDownRefresh, useReachBottom } from '@tarojs/taro'
import type { z } from 'zod'
import {
  REVIEW_LIST_STATUSES,
  REVIEW_LIST_STATUS_LABELS,
  type ListReviewsResponseSchema,
  type ReviewListStatus,
} from '../../../../domain/api/reviews'
import PageHeader from '../../components/PageHeader'
import PageState from '../../components/PageState'
import StatusTag from '../../components/StatusTag'
import { toAppError } from '../../hooks/useFormErrors'
import { useRequireSignIn } from '../../hooks/useRequireSignIn'
import { PAGES, openPage, withQuery } from '../../services/navigation'
import { listReviews } from '../../services/reviews'
import { formatChinaDateTime } from '../../utils/format'
import './index.scss'

type ReviewList = z.infer<typeof ListReviewsResponseSchema>
type ClassCounts = ReviewList['classes'][number]

const COUNT_OF: Record<ReviewListStatus, keyof Pick<ClassCounts, 'pendingReview' | 'disputed' | 'returned' | 'approved'>> = {
  pending_review: 'pendingReview',
  disputed: 'disputed',
  returned: 'returned',
  approved: 'approved',
}

/**
 * 待审核 (teachers): the submissions of the teacher's classes (a school admin:
 * the whole school) that the registry could not confirm, filtered by 待审核 /
 * 已退回 / 已通过 and by class, with counts per class, paged.
 */
export default function ReviewListPage() {
  const signedIn = useRequireSignIn()
  const [status, setStatus] = useState<ReviewListStatus>('pending_review')
  const [classId, setClassId] = useState<string>()
  const [data, setData] = useState<ReviewList>()
  const [error, setError] = useState<string>()
  const [loadingMore, setLoadingMore] = useState(false)
  const seq = useRef(0)

  const load = async (next: { status?: ReviewListStatus; classId?: string | null } = {}) => {
    if (!signedIn) return
    const s = next.status ?? status
    const c = next.classId === null ? undefined : (next.classId ?? classId)
    const mine = ++seq.current
    try {
      const result = await listReviews({ status: s, classId: c })
      if (mine !== seq.current) return
      setData(result)
      setError(undefined)
    } catch (err) {
      if (mine === seq.current) setError(toAppError(err).message)
    }
  }

  const loadMore = async () => {
    if (!data || loadingMore || data.items.length >= data.total) return
    setLoadingMore(true)
    try {
      const result = await listReviews({ status, classId, page: data.page + 1 })
      setData((prev) => (prev ? { ...result, items: [...prev.items, ...result.items] } : result))
    } catch (err) {
      void Taro.showToast({ title: toAppError(err).message, icon: 'none' })
    } finally {
      setLoadingMore(false)
    }
  }

  useDidShow(() => void load())
  usePullDownRefresh(() => void load().finally(() => Taro.stopPullDownRefresh()))
  useReachBottom(() => void loadMore())

  const chooseStatus = (s: ReviewListStatus) => {
    setStatus(s)
    setData((prev) => (prev ? { ...prev, items: [], total: 0 } : prev))
    void load({ status: s })
  }
  const chooseClass = (c: string | undefined) => {
    setClassId(c)
    void load({ classId: c ?? null })
  }

  const classes = data?.classes ?? []
  const total = (s: ReviewListStatus) => classes.reduce((sum, c) => sum + c[COUNT_OF[s]], 0)

  return (
    <View className='page review-list-page' data-testid='review-list'>
      <PageHeader title='审核工作台' desc='学籍库未能自动确认的学生资料，请核对后通过或退回' />

      <View className='review-tabs'>
        {REVIEW_LIST_STATUSES.map((s) => (
          <View
            key={s}
            className={`review-tabs__item tab-${s}${s === status ? ' review-tabs__item--active' : ''}`}
            data-testid={`tab-${s}`}
            onClick={() => chooseStatus(s)}
          >
            <Text className='review-tabs__label'>{REVIEW_LIST_STATUS_LABELS[s]}</Text>
            <Text className={`review-tabs__count${(s === 'pending_review' || s === 'disputed') && total(s) > 0 ? ' review-tabs__count--alert' : ''}`}>
              {data ? total(s) : '–'}
            </Text>
          </View>
        ))}
      </View>

      {classes.length > 1 && (
        <View className='class-chips' data-testid='class-chips'>
          <Text className={`class-chips__item${!classId ? ' class-chips__item--active' : ''}`} onClick={() => chooseClass(undefined)}>
            全部班级
          </Text>
          {classes.map((c) => (
            <Text
              key={c.classId}
              className={`class-chips__item class-chip${c.classId === classId ? ' class-chips__item--active' : ''}`}
              data-testid={`class-chip-${c.classId}`}
              onClick={() => chooseClass(c.classId)}
            >
              {c.gradeLabel}
              {c.className} · {c[COUNT_OF[status]]}
            </Text>
          ))}
        </View>
      )}
      {classes.length === 1 && (
        <Text className='review-list-page__class'>
          {classes[0]!.gradeLabel}
          {classes[0]!.className}：待审核 {classes[0]!.pendingReview} · 已退回 {classes[0]!.returned} · 已通过 {classes[0]!.approved}
        </Text>
      )}

      {!data ? (
        <PageState loading error={error} onRetry={() => void load()} />
      ) : (
        <View className='review-items'>
          {data.items.length === 0 && (
            <View className='review-empty' data-testid='review-empty'>
              <Text className='review-empty__icon'>✓</Text>
              <Text className='review-empty__text'>
                {status === 'pending_review' ? '暂无待审核的学生资料' : `暂无${REVIEW_LIST_STATUS_LABELS[status]}的记录`}
              </Text>
            </View>
          )}
          {data.items.map((item) => (
            <View
              key={item.versionId}
              className='review-item'
              data-testid='review-item'
              data-version-id={item.versionId}
              onClick={() => void openPage(withQuery(PAGES.reviewDetail, { id: item.versionId }))}
            >
              <View className='review-item__main'>
                <View className='review-item__line'>
                  <Text className='review-item__name'>{item.nameMasked}</Text>
                  <StatusTag status={item.status} label={item.statusLabel} />
                </View>
                <Text className='review-item__meta'>
                  {item.className ? `${item.className} · ` : ''}
                  {item.matchOutcomeLabel ?? '—'}
                </Text>
                <Text className='review-item__time'>提交于 {formatChinaDateTime(item.submittedAt)}</Text>
              </View>
              <View className='review-item__arrow' />
            </View>
          ))}
          {data.items.length < data.total && (
            <Text className='review-more link' onClick={() => void loadMore()}>
              {loadingMore ? '加载中…' : `加载更多（${data.items.length}/${data.total}）`}
            </Text>
          )}
          {error && <Text className='tips'>{error}</Text>}
        </View>
      )}
    </View>
  )
}
