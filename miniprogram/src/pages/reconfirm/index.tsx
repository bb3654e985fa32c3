import { useState } from 'react'
import { Text, View } from '@tarojs/components'
import Taro, { useDidShow, useRouter } from '@tarojs/taro'
import type { StudentDetail } from '../../../../domain/api/profiles'
import { requiresGuardianConsent } from '../../../../domain/profile/guardian-consent'
import { ProfileSubmissionSchema } from '../../../../domain/profile/schemas'
import FormNotice from '../../components/FormNotice'
import GuardianConsent from '../../components/GuardianConsent'
import InfoList from '../../components/InfoList'
import PageHeader from '../../components/PageHeader'
import PageState from '../../components/PageState'
import SubmitButton from '../../components/SubmitButton'
import { toAppError } from '../../hooks/useFormErrors'
import { useFormErrors } from '../../hooks/useFormErrors'
import { useRequireSignIn } from '../../hooks/useRequireSignIn'
import { useSubmit } from '../../hooks/useSubmit'
import { checkForm } from '../../services/auth'
import { PAGES, openPage, pageParam, replacePage, withQuery } from '../../services/navigation'
import { getDraft, getStudent, submitProfile } from '../../services/profiles'
import { formFromDraft, submissionBody, type ProfileForm } from '../profile-form/form-model'
import './index.scss'

/**
 * 学期确认: at a new semester the family checks the school information on
 * file. 信息无误，确认 submits the same content again (the server sees the key
 * fields unchanged: a `reconfirm`, matched like any submission); 修改学籍信息
 * opens the form.
 */
export default function ReconfirmPage() {
  const signedIn = useRequireSignIn()
  const router = useRouter()
  const studentId = pageParam(router.params, 'studentId')
  const [detail, setDetail] = useState<StudentDetail>()
  const [onFile, setOnFile] = useState<ProfileForm>()
  const [hasDraft, setHasDraft] = useState(false)
  const [consent, setConsent] = useState(false)
  const [error, setError] = useState<string>()
  const { errors, notice, show, clear } = useFormErrors(['consent'], { toast: true })

  const load = async () => {
    if (!studentId || !signedIn) {
      setError('缺少学生信息，请从“我的学生”进入')
      return
    }
    try {
      const student = await getStudent(studentId)
      setDetail(student)
      if (student.actions.includes('reconfirm')) {
        const draft = await getDraft(studentId)
        setHasDraft(draft.source === 'draft')
        setOnFile(draft.source === 'latest_version' ? formFromDraft(draft.draft) : undefined)
      }
      setError(undefined)
    } catch (err) {
      setError(toAppError(err).message)
    }
  }

  useDidShow(() => void load())

  const consentNeeded = onFile ? requiresGuardianConsent(onFile.personal.residentId) === true : false

  const [confirming, confirm] = useSubmit(async () => {
    if (!studentId || !onFile) return
    clear()
    try {
      const body = checkForm(ProfileSubmissionSchema, submissionBody({ ...onFile, consent }, consentNeeded))
      await submitProfile(studentId, body)
      void Taro.showToast({ title: '已确认', icon: 'success', duration: 1500 })
      await replacePage(withQuery(PAGES.status, { studentId }))
    } catch (err) {
      show(err)
    }
  })

  if (!detail || !studentId) {
    return (
      <View className='page reconfirm-page'>
        <PageState loading error={error} onRetry={() => void load()} />
      </View>
    )
  }

  const profile = detail.latest?.profile
  const school = profile?.school
  const canReconfirm = detail.actions.includes('reconfirm')
  const toForm = () => void openPage(withQuery(PAGES.profileForm, { studentId }))

  return (
    <View className='page reconfirm-page' data-testid='reconfirm-page'>
      <PageHeader title='新学期学籍信息确认' desc='每学期需确认一次学校、年级和班级。信息无误请直接确认；如已升级、转学或转班，请修改后提交。' />

      {!canReconfirm && (
        <FormNotice
          tone='info'
          testId='reconfirm-not-needed'
          message={`当前状态为“${detail.statusLabel}”，暂不需要学期确认。`}
        />
      )}
      {canReconfirm && hasDraft && (
        <FormNotice tone='info' message='您有一份未提交的草稿。请在“填写信息”中核对草稿后提交。' />
      )}
      <FormNotice message={notice} />

      {profile && school && (
        <InfoList
          title='学籍信息（档案中）'
          testId='reconfirm-school'
          items={[
            { key: 'name', label: '学生姓名', value: profile.personal.name },
            { key: 'school', label: '学校', value: school.schoolName ?? '' },
            { key: 'grade', label: '年级', value: school.gradeLabel ?? '' },
            { key: 'class', label: '班级', value: school.className ?? '' },
          ]}
        />
      )}

      {canReconfirm && onFile && consentNeeded && (
        <GuardianConsent
          checked={consent}
          guardianName={onFile.guardians[0]?.name}
          error={errors.consent}
          onChange={(checked) => {
            setConsent(checked)
            clear('consent')
          }}
        />
      )}

      {canReconfirm && onFile && (
        <SubmitButton name='reconfirm' loading={confirming} onClick={confirm}>
          信息无误，确认
        </SubmitButton>
      )}
      {(canReconfirm || detail.actions.includes('submit')) && (
        <SubmitButton name='edit-school' fill='outline' loading={false} disabled={confirming} onClick={toForm}>
          修改学籍信息
        </SubmitButton>
      )}
      {!canReconfirm && (
        <SubmitButton name='open-status' fill='outline' loading={false} onClick={() => void openPage(withQuery(PAGES.status, { studentId }))}>
          查看审核进度
        </SubmitButton>
      )}
      <Text className='tips'>确认后系统会重新与学籍库比对，通常几秒内完成；确认期间电子教育卡继续有效。</Text>
    </View>
  )
}
