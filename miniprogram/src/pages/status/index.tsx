import { useState } from 'react'
import { Text, View } from '@tarojs/components'
import Taro, { useDidShow, usePullDownRefresh, useRouter } from '@tarojs/taro'
import { TIMELINE_STEP_LABELS, type StudentDetail, type TimelineEntry } from '../../../../domain/api/profiles'
import { PENDING_WITH_SCHOOL_LABEL } from '../../../../domain/review/state-machine'
import FlowSteps from '../../components/FlowSteps'
import PageState from '../../components/PageState'
import StatusTag from '../../components/StatusTag'
import SubmitButton from '../../components/SubmitButton'
import { toAppError } from '../../hooks/useFormErrors'
import { usePolling } from '../../hooks/usePolling'
import { useRequireSignIn } from '../../hooks/useRequireSignIn'
import { useSubscribeRequest } from '../../hooks/useSubscribeRequest'
import { PAGES, openPage, pageParam, withQuery } from '../../services/navigation'
import { getStudent, withdrawChange } from '../../services/profiles'
import { formatChinaDateTime } from '../../utils/format'
import './index.scss'

/** Matching takes seconds: refresh every 3 s meanwhile; a teacher's decision is slower. */
const FAST_REFRESH_MS = 3000
const SLOW_REFRESH_MS = 15000

const FLOW_STEP: Record<StudentDetail['status'], number> = {
  draft: 1,
  submitted: 2,
  matching: 2,
  pending_review: 2,
  returned: 2,
  approved: 4,
  reconfirm_required: 2,
  withdrawn: 4,
  disputed: 2,
}

/** The steps still ahead of the current version, shown grey. */
function upcoming(status: StudentDetail['status']): string[] {
  switch (status) {
    case 'submitted':
    case 'matching':
      return ['审核结果']
    case 'pending_review':
    case 'disputed':
      return ['审核结果']
    default:
      return []
  }
}

/** Why a person reviews it, in words true to the registry match's outcome. */
function reviewCause(detail: StudentDetail): string {
  const who = detail.statusLabel === PENDING_WITH_SCHOOL_LABEL ? '学校' : '班主任'
  switch (detail.latest?.matchOutcome) {
    case 'transient_status':
      return `学籍库显示该学生为借读或学籍变动中，需由${who}核对，结果会通过微信消息通知您`
    case 'not_found':
      return `学籍库中暂未找到该学生，已转交${who}核对，结果会通过微信消息通知您`
    default:
      return `填写的信息与学籍库不完全一致，已转交${who}核对，结果会通过微信消息通知您`
  }
}

function CardNumber({ detail }: { detail: StudentDetail }) {
  if (!detail.card) return null
  return (
    <View className='card-number-box' data-testid='card-number'>
      <Text className='card-number-box__label'>教育卡号</Text>
      <Text className='card-number-box__value'>{detail.card.number}</Text>
    </View>
  )
}

/**
 * A key-field change on top of a valid card: the card first (valid, with the
 * data it carries), then the change — in review, or returned with the reason —
 * and what the family may do about it.
 */
function ChangeHero({ detail, studentId, onWithdraw, withdrawing }: { detail: StudentDetail; studentId: string; onWithdraw: () => void; withdrawing: boolean }) {
  const change = detail.change!
  const canWithdraw = detail.actions.includes('withdraw_change')
  const returned = change.state === 'returned'
  return (
    <View className='status-hero status-hero--green' data-testid='status-hero' data-change={change.state}>
      <View className='status-hero__icon'>
        <Text>✓</Text>
      </View>
      <Text className='status-hero__title' data-testid='card-valid'>
        电子教育卡有效
      </Text>
      <Text className='status-hero__desc'>教育卡使用已认证的信息，变更审核结果不影响卡的使用</Text>
      <CardNumber detail={detail} />
      <View className={`change-box change-box--${returned ? 'red' : 'orange'}`} data-testid='change-box'>
        <Text className='change-box__title'>{returned ? '信息变更被退回' : `信息变更${change.statusLabel}`}</Text>
        {returned ? (
          <View className='return-reason' data-testid='return-reason'>
            <Text className='return-reason__label'>退回原因</Text>
            <Text className='return-reason__text'>{change.returnReason ?? '请核对信息后重新提交'}</Text>
          </View>
        ) : (
          <Text className='change-box__desc'>
            第 {change.submission} 次提交，{formatChinaDateTime(change.submittedAt)}。审核通过后教育卡将使用新信息。
          </Text>
        )}
      </View>
      {returned && (
        <SubmitButton name='fix-and-resubmit' loading={false} onClick={() => void openPage(withQuery(PAGES.profileForm, { studentId }))}>
          修改并重新提交
        </SubmitButton>
      )}
      {canWithdraw && (
        <SubmitButton name='withdraw-change' fill='outline' loading={withdrawing} onClick={onWithdraw}>
          {returned ? '保留现有信息' : '撤回变更'}
        </SubmitButton>
      )}
    </View>
  )
}

function StatusHero({ detail, studentId }: { detail: StudentDetail; studentId: string }) {
  // After approval the family taps here to see the archive: ask (weapp) for the class notices' and semester messages then.
  const askSubscription = useSubscribeRequest()
  const form = withQuery(PAGES.profileForm, { studentId })
  switch (detail.status) {
    case 'submitted':
    case 'matching':
      return (
        <View className='status-hero status-hero--blue' data-testid='status-hero'>
          <View className='status-hero__spinner' />
          <Text className='status-hero__title'>正在与学籍库比对</Text>
          <Text className='status-hero__desc'>通常几秒内完成，本页面会自动刷新</Text>
        </View>
      )
    case 'pending_review':
      return (
        <View className='status-hero status-hero--orange' data-testid='status-hero'>
          <View className='status-hero__icon'>
            <Text>…</Text>
          </View>
          {/* 待班主任审核, or 待学校审核 when the class has no active head teacher (the server says which). */}
          <Text className='status-hero__title'>{detail.statusLabel}</Text>
          <Text className='status-hero__desc'>{reviewCause(detail)}</Text>
        </View>
      )
    case 'returned':
      return (
        <View className='status-hero status-hero--red' data-testid='status-hero'>
          <View className='status-hero__icon'>
            <Text>!</Text>
          </View>
          <Text className='status-hero__title'>资料被退回</Text>
          <View className='return-reason' data-testid='return-reason'>
            <Text className='return-reason__label'>退回原因</Text>
            <Text className='return-reason__text'>{detail.latest?.returnReason ?? '请核对信息后重新提交'}</Text>
          </View>
          <SubmitButton name='fix-and-resubmit' loading={false} onClick={() => void openPage(form)}>
            修改并重新提交
          </SubmitButton>
        </View>
      )
    case 'approved':
      return (
        <View className='status-hero status-hero--green' data-testid='status-hero'>
          <View className='status-hero__icon'>
            <Text>✓</Text>
          </View>
          <Text className='status-hero__title'>已通过认证</Text>
          <CardNumber detail={detail} />
          <SubmitButton
            name='open-archive'
            loading={false}
            onClick={() => {
              askSubscription()
              void openPage(withQuery(PAGES.archive, { studentId }))
            }}
          >
            查看电子档案
          </SubmitButton>
        </View>
      )
    case 'reconfirm_required':
      return (
        <View className='status-hero status-hero--orange' data-testid='status-hero'>
          <View className='status-hero__icon'>
            <Text>i</Text>
          </View>
          <Text className='status-hero__title'>新学期请确认学籍信息</Text>
          <Text className='status-hero__desc'>确认或更新学校、年级和班级后，电子教育卡继续有效</Text>
          <SubmitButton
            name='open-reconfirm'
            loading={false}
            onClick={() => void openPage(withQuery(PAGES.reconfirm, { studentId }))}
          >
            去确认
          </SubmitButton>
        </View>
      )
    default:
      return (
        <View className='status-hero status-hero--grey' data-testid='status-hero'>
          <Text className='status-hero__title'>尚未提交</Text>
          <Text className='status-hero__desc'>填写学生的个人、学籍和监护人信息后提交审核</Text>
          <SubmitButton name='open-form' loading={false} onClick={() => void openPage(form)}>
            {detail.hasDraft ? '继续填写' : '开始填写'}
          </SubmitButton>
        </View>
      )
  }
}

function TimelineItem({ entry, last }: { entry: TimelineEntry; last: boolean }) {
  const tone =
    entry.step === 'returned' ? 'red' : entry.step === 'approved' ? 'green' : entry.current ? 'current' : 'done'
  return (
    <View className={`timeline__item timeline__item--${tone}`} data-testid={`timeline-${entry.step}`}>
      <View className='timeline__marker'>
        <View className='timeline__dot' />
        {!last && <View className='timeline__line' />}
      </View>
      <View className='timeline__body'>
        <View className='timeline__head'>
          <Text className='timeline__label'>{entry.label}</Text>
          <Text className='timeline__time'>{formatChinaDateTime(entry.at)}</Text>
        </View>
        {entry.note ? <Text className='timeline__note'>{entry.note}</Text> : null}
      </View>
    </View>
  )
}

/**
 * 审核进度: where the student's profile stands (已提交 → 比对中 → 待班主任审核 →
 * 已通过 / 已退回 with the reason), the card number once approved, and what to
 * do next. Refreshes itself every 3 s while the registry match runs.
 */
export default function StatusPage() {
  const signedIn = useRequireSignIn()
  const router = useRouter()
  const studentId = pageParam(router.params, 'studentId')
  const [detail, setDetail] = useState<StudentDetail>()
  const [error, setError] = useState<string>()
  const [withdrawing, setWithdrawing] = useState(false)

  const load = async () => {
    if (!studentId || !signedIn) {
      setError('缺少学生信息，请从“我的学生”进入')
      return
    }
    try {
      setDetail(await getStudent(studentId))
      setError(undefined)
    } catch (err) {
      setError(toAppError(err).message)
    }
  }

  useDidShow(() => void load())
  usePullDownRefresh(() => void load().finally(() => Taro.stopPullDownRefresh()))

  const status = detail?.status
  const matching = status === 'submitted' || status === 'matching'
  usePolling(load, matching ? FAST_REFRESH_MS : SLOW_REFRESH_MS, matching || status === 'pending_review')

  const withdraw = async () => {
    if (!studentId || !detail?.change || withdrawing) return
    const returned = detail.change.state === 'returned'
    const { confirm } = await Taro.showModal({
      title: returned ? '保留现有信息' : '撤回信息变更',
      content: returned ? '将放弃本次变更，继续使用已认证的信息，教育卡继续有效。' : '撤回后班主任不再审核本次变更，继续使用已认证的信息，教育卡继续有效。',
      confirmText: returned ? '保留' : '撤回',
    })
    if (!confirm) return
    setWithdrawing(true)
    try {
      setDetail(await withdrawChange(studentId))
      void Taro.showToast({ title: returned ? '已保留现有信息' : '已撤回变更', icon: 'success' })
    } catch (err) {
      void Taro.showToast({ title: toAppError(err).message, icon: 'none' })
      void load()
    } finally {
      setWithdrawing(false)
    }
  }

  if (!detail || !studentId) {
    return (
      <View className='page status-page'>
        <PageState loading error={error} onRetry={() => void load()} />
      </View>
    )
  }

  // The current version's steps first; earlier versions below as history.
  const currentVersionId = detail.latest?.id ?? detail.timeline.at(-1)?.versionId
  const current = detail.timeline.filter((e) => e.versionId === currentVersionId)
  const history = detail.timeline.filter((e) => e.versionId !== currentVersionId).reverse()
  const ahead = upcoming(detail.status)
  // With a change in review or returned, the header shows what the valid card carries (the approved data).
  const shown = detail.approved?.profile ?? detail.latest?.profile
  const name = shown?.personal.name ?? detail.nameMasked ?? '未填写姓名'
  const school = shown?.school
  const cardHeld = detail.change !== null && detail.hasValidCard

  return (
    <View
      className='page status-page'
      data-testid='status-page'
      data-status={detail.status}
      data-version-id={detail.latest?.id ?? ''}
    >
      <FlowSteps current={cardHeld ? 4 : FLOW_STEP[detail.status]} failed={!cardHeld && detail.status === 'returned'} />

      <View className='status-student'>
        <View className='status-student__main'>
          <Text className='status-student__name'>{name}</Text>
          {school?.schoolName ? (
            <Text className='status-student__school'>
              {school.schoolName} · {school.gradeLabel ?? ''}
              {school.className ?? ''}
            </Text>
          ) : null}
        </View>
        {cardHeld ? <StatusTag status='approved' label='已认证' /> : <StatusTag status={detail.status} label={detail.statusLabel} />}
      </View>

      {cardHeld ? (
        <ChangeHero detail={detail} studentId={studentId} onWithdraw={() => void withdraw()} withdrawing={withdrawing} />
      ) : (
        <StatusHero detail={detail} studentId={studentId} />
      )}

      {current.length > 0 && (
        <View className='timeline' data-testid='timeline'>
          <Text className='timeline__title'>
            {cardHeld ? '信息变更进度' : '审核进度'}
            {detail.latest ? `（第 ${detail.latest.submission} 次提交）` : ''}
          </Text>
          {current.map((entry, i) => (
            <TimelineItem key={`${entry.versionId}-${entry.step}`} entry={entry} last={i === current.length - 1 && ahead.length === 0} />
          ))}
          {ahead.map((label, i) => (
            <View className='timeline__item timeline__item--todo' key={label}>
              <View className='timeline__marker'>
                <View className='timeline__dot' />
                {i < ahead.length - 1 && <View className='timeline__line' />}
              </View>
              <View className='timeline__body'>
                <Text className='timeline__label'>
                  {label === '审核结果' ? `${TIMELINE_STEP_LABELS.approved} / ${TIMELINE_STEP_LABELS.returned}` : label}
                </Text>
              </View>
            </View>
          ))}
        </View>
      )}

      {history.length > 0 && (
        <View className='timeline timeline--history' data-testid='timeline-history'>
          <Text className='timeline__title'>历史记录</Text>
          {history.map((entry) => (
            <View className='history-row' key={`${entry.versionId}-${entry.step}`}>
              <Text className='history-row__time'>{formatChinaDateTime(entry.at)}</Text>
              <Text className='history-row__text'>
                第 {entry.submission} 次 · {entry.label}
                {entry.note ? `：${entry.note}` : ''}
              </Text>
            </View>
          ))}
        </View>
      )}

      {matching && <Text className='tips status-page__auto'>每 3 秒自动刷新</Text>}
    </View>
  )
}
