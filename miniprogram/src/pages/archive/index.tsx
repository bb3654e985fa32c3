import { useState } from 'react'
import { Text, View } from '@tarojs/components'
import Taro, { useDidShow, useRouter } from '@tarojs/taro'
import type { StudentDetail } from '../../../../domain/api/profiles'
import FormNotice from '../../components/FormNotice'
import InfoList from '../../components/InfoList'
import PageState from '../../components/PageState'
import StatusTag from '../../components/StatusTag'
import SubmitButton from '../../components/SubmitButton'
import { toAppError } from '../../hooks/useFormErrors'
import { useRequireSignIn } from '../../hooks/useRequireSignIn'
import { useSubmit } from '../../hooks/useSubmit'
import { PAGES, openPage, pageParam, withQuery } from '../../services/navigation'
import { getStudent } from '../../services/profiles'
import { formatChinaDate } from '../../utils/format'
import ContactEditor from './ContactEditor'
import './index.scss'

/**
 * 电子档案: the student's authenticated profile (ID numbers and phones masked;
 * 查看完整身份证号 reveals the student's once, audited on the server), with
 * 修改联系方式 (applies at once) and 修改关键信息 (a new version that is
 * matched again while the card stays valid).
 */
export default function ArchivePage() {
  const signedIn = useRequireSignIn()
  const router = useRouter()
  const studentId = pageParam(router.params, 'studentId')
  const [detail, setDetail] = useState<StudentDetail>()
  const [error, setError] = useState<string>()
  const [revealed, setRevealed] = useState<string>()
  const [editing, setEditing] = useState(false)

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

  useDidShow(() => {
    if (!editing) void load()
  })

  const [revealing, reveal] = useSubmit(async () => {
    if (!studentId) return
    if (revealed) {
      setRevealed(undefined)
      return
    }
    const { confirm } = await Taro.showModal({
      title: '查看完整身份证号',
      content: '为保护孩子的个人信息，每次查看都会被记录。请确认周围环境安全。',
      confirmText: '查看',
    })
    if (!confirm) return
    try {
      const full = await getStudent(studentId, { revealResidentId: true })
      setRevealed(full.revealed?.residentId)
    } catch (err) {
      void Taro.showToast({ title: toAppError(err).message, icon: 'none' })
    }
  })

  const changeKeyFields = async () => {
    if (!studentId) return
    const { confirm } = await Taro.showModal({
      title: '修改关键信息',
      content: '修改姓名、身份证号或学校班级后需重新与学籍库比对，必要时由班主任审核。审核期间，当前电子教育卡继续有效。',
      confirmText: '去修改',
    })
    if (confirm) void openPage(withQuery(PAGES.profileForm, { studentId }))
  }

  if (!detail || !studentId) {
    return (
      <View className='page archive-page'>
        <PageState loading error={error} onRetry={() => void load()} />
      </View>
    )
  }

  // The archive is the card's data: the approved version while a change is reviewed or returned.
  const profile = detail.approved?.profile ?? detail.latest?.profile
  if (!detail.approvedVersionId || !profile) {
    return (
      <View className='page archive-page'>
        <FormNotice tone='info' message='学生完成身份认证后才能查看电子档案。' />
        <SubmitButton name='open-status' loading={false} onClick={() => void openPage(withQuery(PAGES.status, { studentId }))}>
          查看审核进度
        </SubmitButton>
      </View>
    )
  }

  if (editing) {
    return (
      <View className='page archive-page'>
        <ContactEditor
          studentId={studentId}
          profile={profile}
          onSaved={(next) => {
            setDetail(next)
            setEditing(false)
          }}
          onCancel={() => setEditing(false)}
        />
      </View>
    )
  }

  const canEditContact = detail.actions.includes('edit_contact')
  const canChangeKeys = detail.actions.includes('resubmit_key_change') || detail.actions.includes('submit')
  const changePending = detail.latest && detail.latest.id !== detail.approvedVersionId && !detail.latest.contactOnly
  const school = profile.school

  return (
    <View className='page archive-page' data-testid='archive-page'>
      <View className='archive-card'>
        <View className='archive-card__top'>
          <Text className='archive-card__brand'>中小学教育卡</Text>
          {detail.change ? <StatusTag status='approved' label='已认证' /> : <StatusTag status={detail.status} label={detail.statusLabel} />}
        </View>
        <Text className='archive-card__name' data-testid='archive-name'>
          {profile.personal.name}
        </Text>
        <Text className='archive-card__school'>
          {school.schoolName ?? ''} {school.gradeLabel ?? ''}
          {school.className ?? ''}
        </Text>
        {detail.card && (
          <View className='archive-card__number'>
            <Text className='archive-card__label'>教育卡号</Text>
            <Text className='archive-card__value card-number'>{detail.card.number}</Text>
            <Text className='archive-card__label'>发卡日期 {formatChinaDate(detail.card.issuedAt)}</Text>
          </View>
        )}
      </View>

      {changePending && (
        <FormNotice
          tone='info'
          testId='change-pending'
          message={
            detail.change?.state === 'returned'
              ? '关键信息修改被退回：电子档案和电子教育卡继续使用下方已认证的信息，可在审核进度中修改或保留现有信息。'
              : `关键信息修改${detail.statusLabel}：审核结束前，电子档案和电子教育卡继续使用下方已认证的信息。`
          }
        />
      )}

      <InfoList
        title='个人信息'
        testId='archive-personal'
        items={[
          { key: 'name', label: '姓名', value: profile.personal.name },
          {
            key: 'residentId',
            label: '身份证号',
            value: revealed ?? profile.personal.residentIdMasked,
            extra: (
              <Text className='link btn-reveal-id' onClick={reveal}>
                {revealing ? '…' : revealed ? '隐藏' : '查看完整'}
              </Text>
            ),
          },
          { key: 'phone', label: '手机号', value: profile.personal.phoneMasked ?? '未填写' },
          { key: 'email', label: '电子邮箱', value: profile.personal.emailMasked ?? '未填写' },
        ]}
      />
      <InfoList
        title='学籍信息'
        testId='archive-school'
        items={[
          { key: 'school', label: '学校', value: school.schoolName ?? '' },
          { key: 'schoolCode', label: '学校标识码', value: school.schoolCode ?? '' },
          { key: 'grade', label: '年级', value: school.gradeLabel ?? '' },
          { key: 'class', label: '班级', value: school.className ?? '' },
        ]}
      />
      {profile.guardians.map((g, i) => (
        <InfoList
          key={i}
          title={i === 0 ? '监护人信息' : undefined}
          testId={`archive-guardian-${i}`}
          items={[
            { key: `g${i}-name`, label: '姓名', value: `${g.name}（${g.relationLabel}）` },
            { key: `g${i}-residentId`, label: '身份证号', value: g.residentIdMasked },
            { key: `g${i}-phone`, label: '手机号', value: g.phoneMasked },
            { key: `g${i}-address`, label: '家庭住址', value: g.address },
          ]}
        />
      ))}

      {canEditContact && (
        <SubmitButton name='edit-contact' loading={false} onClick={() => setEditing(true)}>
          修改联系方式
        </SubmitButton>
      )}
      {canChangeKeys && (
        <SubmitButton name='change-key-fields' fill='outline' loading={false} onClick={() => void changeKeyFields()}>
          修改关键信息
        </SubmitButton>
      )}
      <Text className='tips'>
        联系方式（手机号、邮箱、住址）修改后立即生效；姓名、身份证号、学校班级属于关键信息，修改后需重新审核，审核期间电子教育卡继续有效。
      </Text>
    </View>
  )
}
