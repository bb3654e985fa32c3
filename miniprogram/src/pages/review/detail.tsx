import { useState } from 'react'
import { Text, View } from '@tarojs/components'
import Taro, { useDidShow, useRouter } from '@tarojs/taro'
import type { z } from 'zod'
import type { ReturnReviewRequest, ReviewDetailSchema } from '../../../../domain/api/reviews'
import FormNotice from '../../components/FormNotice'
import PageState from '../../components/PageState'
import StatusTag from '../../components/StatusTag'
import SubmitButton from '../../components/SubmitButton'
import { toAppError } from '../../hooks/useFormErrors'
import { useRequireSignIn } from '../../hooks/useRequireSignIn'
import { useSubmit } from '../../hooks/useSubmit'
import { pageParam } from '../../services/navigation'
import { approveReview, getReview, returnReview } from '../../services/reviews'
import { formatChinaDateTime } from '../../utils/format'
import ReturnDialog from './ReturnDialog'
import './detail.scss'

type ReviewDetail = z.infer<typeof ReviewDetailSchema>

const TAKEN_MESSAGE = '该资料已被其他老师处理，已为您刷新'

/**
 * 审核详情 (what the teacher's message opens: pages/review/detail?id=<versionId>):
 * the submitted values next to the registry's, the differing ones highlighted
 * with 不一致, ID numbers masked; 通过 or 退回 with a reason. A decision that
 * another reviewer made first answers 409: the page says so and reloads.
 */
export default function ReviewDetailPage() {
  const signedIn = useRequireSignIn()
  const router = useRouter()
  const versionId = pageParam(router.params, 'id')
  const [detail, setDetail] = useState<ReviewDetail>()
  const [error, setError] = useState<string>()
  const [message, setMessage] = useState<{ tone: 'error' | 'success' | 'info'; text: string }>()
  const [returning, setReturning] = useState(false)

  const load = async () => {
    if (!versionId || !signedIn) {
      setError('缺少审核记录编号')
      return
    }
    try {
      setDetail(await getReview(versionId))
      setError(undefined)
    } catch (err) {
      setError(toAppError(err).message)
    }
  }

  useDidShow(() => void load())

  /** A lost race (409) or any other failure: say so; reload when the state moved on. */
  const failed = async (err: unknown) => {
    const e = toAppError(err)
    if (e.status === 409 && e.code === 'REVIEW_TRANSITION_FORBIDDEN') {
      setMessage({ tone: 'error', text: TAKEN_MESSAGE })
      void Taro.showToast({ title: '已被其他老师处理', icon: 'none', duration: 2500 })
      await load()
    } else {
      setMessage({ tone: 'error', text: e.message })
      void Taro.showToast({ title: e.message, icon: 'none', duration: 2500 })
    }
  }

  const [approving, approve] = useSubmit(async () => {
    if (!versionId) return
    const { confirm } = await Taro.showModal({
      title: '通过审核',
      content: '确认该学生信息无误并通过认证？通过后将发放教育卡号并通知家长。',
      confirmText: '通过',
      confirmColor: '#07c160',
    })
    if (!confirm) return
    try {
      const result = await approveReview(versionId)
      setMessage({ tone: 'success', text: result.cardNumber ? `已通过，教育卡号 ${result.cardNumber}` : '已通过' })
      void Taro.showToast({ title: '已通过', icon: 'success', duration: 1500 })
      await load()
    } catch (err) {
      await failed(err)
    }
  })

  const sendReturn = async (body: ReturnReviewRequest) => {
    if (!versionId) return
    try {
      const result = await returnReview(versionId, body)
      setReturning(false)
      setMessage({ tone: 'info', text: `已退回：${result.reviewReason ?? ''}` })
      void Taro.showToast({ title: '已退回', icon: 'success', duration: 1500 })
      await load()
    } catch (err) {
      const e = toAppError(err)
      if (e.status === 409) {
        setReturning(false)
        await failed(err)
        return
      }
      throw err // field errors stay in the dialog
    }
  }

  if (!detail) {
    return (
      <View className='page review-detail-page'>
        <PageState loading error={error} onRetry={() => void load()} />
      </View>
    )
  }

  const differing = detail.fields.filter((f) => f.differs).length
  const nameField = detail.fields.find((f) => f.field === 'name')
  const canDecide = detail.actions.length > 0

  return (
    <View className='page review-detail-page' data-testid='review-detail' data-status={detail.status}>
      <View className='review-head'>
        <View className='review-head__line'>
          <Text className='review-head__name'>{nameField?.submitted ?? '—'}</Text>
          <StatusTag status={detail.status} label={detail.statusLabel} />
        </View>
        <Text className='review-head__meta'>
          第 {detail.submission} 次提交 · {formatChinaDateTime(detail.submittedAt)}
        </Text>
        {detail.matchOutcomeLabel && (
          <Text className='review-head__outcome' data-testid='match-outcome'>
            比对结果：{detail.matchOutcomeLabel}
            {differing > 0 ? `（${differing} 项不一致）` : ''}
          </Text>
        )}
      </View>

      <FormNotice message={message?.text} tone={message?.tone} testId='review-message' />
      {!detail.registryFound && (
        <FormNotice tone='info' message='学籍库中未找到该身份证号，请与学生家长或学校学籍管理员核实。' />
      )}
      {detail.residentIdApprovedElsewhere && (
        <FormNotice message='该身份证号已在其他账号下完成认证，不能再次通过，请联系学校核实。' />
      )}
      {detail.cardNumber && (
        <FormNotice tone='info' message={`该学生已持有教育卡 ${detail.cardNumber}（本次为信息变更），无论审核结果如何，原卡继续有效。`} />
      )}

      {detail.previous && (
        <View className='review-previous' data-testid='review-previous'>
          <Text className='review-previous__title'>
            上次提交（第 {detail.previous.submission} 次）：{detail.previous.statusLabel}
          </Text>
          {detail.previous.reviewReason && (
            <Text className='review-previous__reason' data-testid='previous-reason'>
              退回原因：{detail.previous.reviewReason}
            </Text>
          )}
          {detail.previous.changes.length === 0 ? (
            <Text className='review-previous__none'>关键信息与上次提交相同</Text>
          ) : (
            detail.previous.changes.map((c) => (
              <Text className='review-previous__change' key={c.field} data-testid={`previous-change-${c.field}`}>
                {c.label}：{c.before ?? '—'} → {c.after ?? '—'}
              </Text>
            ))
          )}
        </View>
      )}

      <View className='compare' data-testid='compare'>
        <View className='compare__row compare__row--head'>
          <Text className='compare__label'>项目</Text>
          <Text className='compare__value'>家长填报</Text>
          <Text className='compare__value'>学籍库</Text>
        </View>
        {detail.fields.map((f) => (
          <View
            key={f.field}
            className={`compare__row compare-${f.field}${f.differs ? ' compare__row--differs' : ''}`}
            data-testid={`compare-${f.field}`}
            data-differs={f.differs ? 'true' : 'false'}
          >
            <View className='compare__label'>
              <Text>{f.label}</Text>
              {f.differs && <Text className='compare__tag'>不一致</Text>}
            </View>
            {f.registryOnly ? (
              <Text className='compare__value compare__value--submitted compare__value--na'>无需家长填写</Text>
            ) : (
              <Text className='compare__value compare__value--submitted'>{f.submitted ?? '—'}</Text>
            )}
            <Text className='compare__value compare__value--registry'>{f.registry ?? '—'}</Text>
          </View>
        ))}
      </View>

      {detail.guardians.length > 0 && (
        <View className='review-guardians'>
          <Text className='section-title'>监护人</Text>
          {detail.guardians.map((g, i) => (
            <View className='review-guardian' key={i}>
              <Text className='review-guardian__name'>
                {g.name}（{g.relationLabel}）
              </Text>
              <Text className='review-guardian__meta'>
                身份证 {g.residentIdMasked} · 手机 {g.phoneMasked}
              </Text>
            </View>
          ))}
        </View>
      )}

      {detail.reviewReason && detail.status === 'returned' && (
        <FormNotice tone='error' testId='review-reason' message={`退回原因：${detail.reviewReason}`} />
      )}
      {detail.decidedAt && (
        <Text className='tips'>处理时间 {formatChinaDateTime(detail.decidedAt)}</Text>
      )}

      {canDecide && (
        <View className='review-actions'>
          {detail.actions.includes('return') && (
            <View className='review-actions__item'>
              <SubmitButton name='return' fill='outline' loading={false} disabled={approving} onClick={() => setReturning(true)}>
                退回
              </SubmitButton>
            </View>
          )}
          {detail.actions.includes('approve') && (
            <View className='review-actions__item'>
              <SubmitButton name='approve' loading={approving} onClick={approve}>
                通过
              </SubmitButton>
            </View>
          )}
        </View>
      )}

      <ReturnDialog open={returning} onSubmit={sendReturn} onClose={() => setReturning(false)} />
    </View>
  )
}
