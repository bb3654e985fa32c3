import { useState } from 'react'
import { Text, View } from '@tarojs/components'
import Taro, { useDidShow, usePullDownRefresh } from '@tarojs/taro'
import type { StudentSummary } from '../../../../domain/api/profiles'
import PageHeader from '../../components/PageHeader'
import PageState from '../../components/PageState'
import StatusTag from '../../components/StatusTag'
import SubmitButton from '../../components/SubmitButton'
import { toAppError } from '../../hooks/useFormErrors'
import { useRequireSignIn } from '../../hooks/useRequireSignIn'
import { useSubmit } from '../../hooks/useSubmit'
import { PAGES, openPage, withQuery } from '../../services/navigation'
import { createStudent, deleteDraftStudent, listStudents } from '../../services/profiles'
import { useSession } from '../../services/session'
import { formatChinaDate } from '../../utils/format'
import './index.scss'

/** One line under the name: what the family should do or expect next. */
function nextStep(student: StudentSummary): string {
  if (changeOnValidCard(student)) {
    return student.status === 'returned' ? '教育卡有效；信息变更被退回，可修改或保留现有信息' : '教育卡有效；信息变更审核中'
  }
  switch (student.status) {
    case 'draft':
      return student.hasDraft ? '草稿已保存，继续填写后提交审核' : '尚未填写，点击开始填写信息'
    case 'submitted':
    case 'matching':
      return '正在与学籍库比对，通常几秒内完成'
    case 'pending_review':
      return '已转班主任审核，请耐心等待'
    case 'disputed':
      return '该身份证号已在其他账号下认证，已作为身份申诉转班主任核实'
    case 'returned':
      return '资料被退回，请查看原因并修改后重新提交'
    case 'approved':
      return '已完成身份认证'
    case 'reconfirm_required':
      return '新学期请确认学籍信息'
    default:
      return ''
  }
}

/** A key-field change in review or returned while the card stays valid: the student shows as 已认证. */
function changeOnValidCard(student: StudentSummary): boolean {
  return student.hasValidCard && student.status !== 'approved' && student.status !== 'reconfirm_required'
}

/**
 * 我的学生: the family's students with their status and card number; 添加学生
 * creates one and opens its form; a tap opens 审核进度 (or the form while
 * nothing was submitted yet).
 */
export default function StudentsPage() {
  const signedIn = useRequireSignIn()
  const studentAccount = useSession().account?.role === 'student'
  const [students, setStudents] = useState<StudentSummary[]>()
  const [error, setError] = useState<string>()

  const load = async () => {
    if (!signedIn) return
    try {
      const result = await listStudents()
      setStudents(result.items)
      setError(undefined)
    } catch (err) {
      setError(toAppError(err).message)
    }
  }

  useDidShow(() => void load())
  usePullDownRefresh(() => void load().finally(() => Taro.stopPullDownRefresh()))

  const [adding, add] = useSubmit(async () => {
    try {
      const student = await createStudent()
      await openPage(withQuery(PAGES.profileForm, { studentId: student.id }))
    } catch (err) {
      void Taro.showToast({ title: toAppError(err).message, icon: 'none', duration: 2500 })
    }
  })

  const remove = async (student: StudentSummary) => {
    const { confirm } = await Taro.showModal({
      title: '删除学生',
      content: `删除${student.nameMasked ? `“${student.nameMasked}”` : '该学生'}及其未提交的草稿？`,
      confirmText: '删除',
      confirmColor: '#fa5151',
    })
    if (!confirm) return
    try {
      await deleteDraftStudent(student.id)
      void Taro.showToast({ title: '已删除', icon: 'success' })
      void load()
    } catch (err) {
      void Taro.showToast({ title: toAppError(err).message, icon: 'none', duration: 2500 })
    }
  }

  const open = (student: StudentSummary) => {
    const target = student.status === 'draft' ? PAGES.profileForm : PAGES.status
    void openPage(withQuery(target, { studentId: student.id }))
  }

  return (
    <View className='page students-page'>
      <PageHeader
        title={studentAccount ? '我的认证' : '我的学生'}
        desc={studentAccount ? '填写本人信息、查看审核进度和电子教育卡' : '为孩子填写信息、查看审核进度和电子教育卡'}
      />
      {!students ? (
        <PageState loading error={error} onRetry={() => void load()} />
      ) : (
        <>
          {students.length === 0 && (
            <View className='students-empty' data-testid='students-empty'>
              <View className='students-empty__icon'>
                <Text>学</Text>
              </View>
              <Text className='students-empty__title'>还没有添加学生</Text>
              <Text className='students-empty__desc'>添加学生后填写个人、学籍和监护人信息，提交审核即可领取电子教育卡。</Text>
            </View>
          )}
          <View className='students-list' data-testid='students-list'>
            {students.map((student) => (
              <View
                className='student-card'
                key={student.id}
                data-testid='student-card'
                data-student-id={student.id}
                data-status={student.status}
                onClick={() => open(student)}
              >
                <View className='student-card__top'>
                  <View className={`student-card__avatar student-card__avatar--${student.status}`}>
                    <Text>{student.nameMasked ? [...student.nameMasked][0] : '新'}</Text>
                  </View>
                  <View className='student-card__main'>
                    <View className='student-card__line'>
                      <Text className='student-card__name'>{student.nameMasked ?? '未填写姓名'}</Text>
                      {changeOnValidCard(student) ? (
                        <StatusTag status='approved' label='已认证' />
                      ) : (
                        <StatusTag status={student.status} label={student.statusLabel} />
                      )}
                    </View>
                    <Text className='student-card__next'>{nextStep(student)}</Text>
                  </View>
                  <View className='student-card__arrow' />
                </View>
                <View className='student-card__bottom'>
                  <View className='student-card__card-box'>
                    <Text className='student-card__meta'>教育卡号</Text>
                    <Text className={`student-card__card card-number${student.card ? '' : ' student-card__card--none'}`}>
                      {student.card ? student.card.number : '认证通过后发放'}
                    </Text>
                  </View>
                  {student.latestVersion && (
                    <Text className='student-card__date'>{formatChinaDate(student.latestVersion.submittedAt)}提交</Text>
                  )}
                  {student.status === 'draft' && !student.latestVersion && (
                    <Text
                      className='student-card__delete'
                      data-testid='delete-student'
                      onClick={(e) => {
                        e.stopPropagation()
                        void remove(student)
                      }}
                    >
                      删除
                    </Text>
                  )}
                </View>
              </View>
            ))}
          </View>
          <SubmitButton name='add-student' loading={adding} onClick={add}>
            添加学生
          </SubmitButton>
          <Text className='tips'>
            {studentAccount ? '学生本人注册的账号只能添加自己。' : '一个家长账号最多可添加 10 名学生；学生本人注册的账号只能添加自己。'}
          </Text>
        </>
      )}
    </View>
  )
}
