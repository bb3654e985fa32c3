import { useState } from 'react'
import { Text, View } from '@tarojs/components'
import Taro, { useDidShow, useRouter } from '@tarojs/taro'
import type { z } from 'zod'
import type { ReturnReviewRequest, ReviewDetailSchema } from '../../../../domain/api/reviews'
import ReviewAttachments from '../../components/EvidenceAttachments/ReviewAttachments'
import FormNotice from '../../components/FormNotice'
import PageState from '../../components/PageState'
import StatusTag from '../../components/StatusTag'
import SubmitButton from '../../components/SubmitButton'
import { toAppError } from '../../hooks/useFormErrors'
import { useRequireSignIn } from '../../hooks/useRequireSignIn'
import { useSubmit } from '../../hooks/useSubmit'
import { pageParam } from '../../services/navigation'
import { approveReview, decideDispute, getReview, returnReview } from '../../services/reviews'
import { formatChinaDateTime } from '../../utils/format'
import ReturnDialog from './ReturnDialog'
import './detail.scss'

type ReviewDetail = z.infer<typeof ReviewDetailSchema>

const TAKEN_MESSAGE = '该资料已被其他老师处理，已为您刷新'

/**
 * 审核详情 (what the teacher's message opens: pages/review/detail?id=<versionId>):
 * the submitted values next to the registry's, the differing ones highlighted
 * with 不一致, ID numbers masked; the guardian evidence (the account's phone
 * against the registry's guardian phones, masked); 通过 or 退回 with a reason.
 * A dispute (身份申诉: the ID is approved under another account) shows both
 * claims side by side and offers 保留原卡 / 转移给申诉方 instead. A decision that
 * another reviewer made first answers 409: the page says so and reloads.
 */
type GuardianEvidence = ReviewDetail['guardianEvidence']
type DisputeClaim = NonNullable<NonNullable<ReviewDetail['dispute']>['claimant']>

function EvidenceBlock({ evidence, testId }: { evidence: GuardianEvidence; testId: string }) {
  return (
    <View className={`evidence evidence--${evidence.outcome}`} data-testid={testId} data-outcome={evidence.outcome}>
      <Text className='evidence__label'>{evidence.label}</Text>
      <Text className='evidence__meta'>账号手机 {evidence.accountPhoneMasked ?? '未绑定'}</Text>
      {evidence.registryGuardians.map((g, i) => (
        <Text className='evidence__meta' key={i}>
          学籍库监护人{i + 1} {g.nameMasked ?? ''} {g.phoneMasked ?? '—'}
          {g.matchesAccount ? '（一致）' : ''}
        </Text>
      ))}
    </View>
  )
}

function ClaimCard({ title, claim, testId }: { title: string; claim: DisputeClaim; testId: string }) {
  return (
    <View className='dispute__side' data-testid={testId}>
      <Text className='section-title'>{title}</Text>
      <Text className='dispute__line'>
        {claim.nameMasked} · {claim.schoolName ?? '—'} {claim.className ?? ''}
      </Text>
      <Text className='dispute__line'>提交时间 {formatChinaDateTime(claim.submittedAt)}</Text>
      {claim.cardNumber && <Text className='dispute__line'>教育卡号 {claim.cardNumber}</Text>}
      {claim.approvalEvidenceLabel && <Text className='dispute__line'>认证依据：{claim.approvalEvidenceLabel}</Text>}
      <EvidenceBlock evidence={claim.guardianEvidence} testId={`${testId}-evidence`} />
    </View>
  )
}

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

  const [disputing, decide] = useSubmit(async (decision: 'keep' | 'transfer') => {
    if (!versionId) return
    const { confirm } = await Taro.showModal({
      title: decision === 'keep' ? '保留原卡' : '转移教育卡',
      content:
        decision === 'keep'
          ? '教育卡保留在现持卡账号，申诉方的资料将被退回。确认？'
          : '现持卡账号的教育卡将被撤销，申诉方通过认证并获得教育卡。确认？',
      confirmText: decision === 'keep' ? '保留' : '转移',
      confirmColor: decision === 'keep' ? '#07c160' : '#fa5151',
    })
    if (!confirm) return
    try {
      const result = await decideDispute(versionId, { decision })
      setMessage({
        tone: 'success',
        text: decision === 'keep' ? '已保留原卡，申诉资料已退回' : `已转移，申诉方教育卡号 ${result.cardNumber ?? ''}`,
      })
      void Taro.showToast({ title: '已处理', icon: 'success', duration: 1500 })
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
      {detail.residentIdApprovedElsewhere && detail.status !== 'disputed' && (
        <FormNotice message='该身份证号已在其他账号下完成认证，不能再次通过，请联系学校核实。' />
      )}
      {detail.dispute && (
        <View className='dispute' data-testid='dispute'>
          <FormNotice tone='info' message='身份申诉：该身份证号已在其他账号下认证。请对照两方的监护人佐证，决定保留原卡或转移给申诉方。' />
          {detail.dispute.holder && <ClaimCard title='现持卡方' claim={detail.dispute.holder} testId='dispute-holder' />}
          <ClaimCard title='申诉方（本次提交）' claim={detail.dispute.claimant} testId='dispute-claimant' />
        </View>
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

      {!detail.dispute && (
        <View className='review-evidence'>
          <Text className='section-title'>监护人佐证</Text>
          <EvidenceBlock evidence={detail.guardianEvidence} testId='guardian-evidence' />
          {detail.approvalEvidenceLabel && <Text className='tips'>认证依据：{detail.approvalEvidenceLabel}</Text>}
        </View>
      )}

      {versionId && <ReviewAttachments versionId={versionId} />}

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
          {detail.actions.includes('keep') && (
            <View className='review-actions__item'>
              <SubmitButton name='dispute-keep' fill='outline' loading={disputing} onClick={() => decide('keep')}>
                保留原卡
              </SubmitButton>
            </View>
          )}
          {detail.actions.includes('transfer') && (
            <View className='review-actions__item'>
              <SubmitButton name='dispute-transfer' loading={disputing} onClick={() => decide('transfer')}>
                转移给申诉方
              </SubmitButton>
            </View>
          )}
        </View>
      )}

      <ReturnDialog open={returning} onSubmit={sendReturn} onClose={() => setReturning(false)} />
    </View>
  )
}
