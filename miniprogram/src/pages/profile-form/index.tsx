import { useCallback, useMemo, useRef, useState } from 'react'
import { Text, View } from '@tarojs/components'
import Taro, { useLoad, useRouter } from '@tarojs/taro'
import type { StudentDetail } from '../../../../domain/api/profiles'
import { isInFlight } from '../../../../domain/review/state-machine'
import { requiresGuardianConsent } from '../../../../domain/profile/guardian-consent'
import { MAX_GUARDIANS, ProfileDraftSchema, ProfileSubmissionSchema } from '../../../../domain/profile/schemas'
import Field from '../../components/Field'
import FlowSteps from '../../components/FlowSteps'
import FormNotice from '../../components/FormNotice'
import GuardianConsent from '../../components/GuardianConsent'
import PageState from '../../components/PageState'
import SubmitButton from '../../components/SubmitButton'
import { toAppError } from '../../hooks/useFormErrors'
import { usePathErrors } from '../../hooks/usePathErrors'
import { useRequireSignIn } from '../../hooks/useRequireSignIn'
import { useSubmit } from '../../hooks/useSubmit'
import { checkForm } from '../../services/auth'
import { PAGES, pageParam, replacePage, withQuery } from '../../services/navigation'
import {
  getDraft,
  getStudent,
  loadSubscribeTemplateIds,
  requestReviewSubscription,
  saveDraft,
  submitProfile,
} from '../../services/profiles'
import { formatChinaDateTime } from '../../utils/format'
import GuardianCard from './GuardianCard'
import SchoolSection from './SchoolSection'
import {
  EMPTY_GUARDIAN,
  draftBody,
  emptyForm,
  fieldPaths,
  formFromDraft,
  submissionBody,
  type GuardianForm,
  type ProfileForm,
  type SchoolForm,
} from './form-model'
import './index.scss'

/** What the page says on top, from the student's state. */
function stateNotice(student: StudentDetail | undefined): { tone: 'error' | 'info'; text: string } | undefined {
  if (!student) return undefined
  if (isInFlight(student.status)) return { tone: 'info', text: '资料正在审核中，审核结束前不能修改或再次提交。' }
  switch (student.status) {
    case 'returned':
      return {
        tone: 'error',
        text: `班主任退回了上次提交：${student.latest?.returnReason ?? '请核对信息'}。请修改后重新提交。`,
      }
    case 'approved':
      return {
        tone: 'info',
        text: '修改姓名、身份证号或学校班级后需要重新比对和审核；审核期间原电子教育卡继续有效。联系方式请在电子档案中直接修改。',
      }
    case 'reconfirm_required':
      return { tone: 'info', text: '新学期请核对学籍信息：如有升级、转班，请重新选择学校、年级和班级后提交。' }
    default:
      return undefined
  }
}

/**
 * 填写信息: 个人信息, 学籍信息 (school → grade → class from the server's lists)
 * and 1–2 监护人, with the guardian consent when the ID shows the student is
 * under 14. Checked with the domain's ProfileSubmissionSchema (and
 * ProfileDraftSchema for 保存草稿) before sending, so the messages are the
 * server's. Prefilled from the saved draft, or from the latest version when
 * correcting a returned profile or changing key fields.
 */
export default function ProfileFormPage() {
  const signedIn = useRequireSignIn()
  const router = useRouter()
  const studentId = pageParam(router.params, 'studentId')

  const [form, setForm] = useState<ProfileForm>(emptyForm)
  const [student, setStudent] = useState<StudentDetail>()
  const [loaded, setLoaded] = useState(false)
  const [loadError, setLoadError] = useState<string>()
  const [savedAt, setSavedAt] = useState<string>()
  const subscribeIds = useRef<string[]>([])

  const paths = useMemo(() => fieldPaths(form.guardians.length), [form.guardians.length])
  const { errors, notice, show, clear, setFieldError } = usePathErrors(paths)

  const load = async () => {
    if (!studentId || !signedIn) {
      setLoadError('缺少学生信息，请从“我的学生”进入')
      return
    }
    setLoadError(undefined)
    try {
      const [detail, draft] = await Promise.all([getStudent(studentId), getDraft(studentId)])
      setStudent(detail)
      setForm(formFromDraft(draft.draft))
      if (draft.source === 'draft' && draft.updatedAt) setSavedAt(draft.updatedAt)
      setLoaded(true)
    } catch (err) {
      setLoadError(toAppError(err).message)
    }
  }

  useLoad(() => {
    void load()
    void loadSubscribeTemplateIds().then((ids) => {
      subscribeIds.current = ids
    })
  })

  const consentNeeded = requiresGuardianConsent(form.personal.residentId) === true
  const locked = student ? isInFlight(student.status) : false

  const editPersonal = (key: keyof ProfileForm['personal']) => (value: string) => {
    setForm((f) => ({ ...f, personal: { ...f.personal, [key]: value } }))
    clear(`personal.${key}`)
  }
  const editGuardian = (index: number) => (key: keyof GuardianForm, value: string) => {
    setForm((f) => ({ ...f, guardians: f.guardians.map((g, i) => (i === index ? { ...g, [key]: value } : g)) }))
    clear(`guardians.${index}.${key}`)
  }
  const setSchool = useCallback((update: (prev: SchoolForm) => SchoolForm) => {
    setForm((f) => ({ ...f, school: update(f.school) }))
  }, [])

  const [saving, save] = useSubmit(async () => {
    if (!studentId) return
    clear()
    try {
      const body = checkForm(ProfileDraftSchema, draftBody(form))
      const result = await saveDraft(studentId, body)
      setSavedAt(result.updatedAt)
      void Taro.showToast({ title: '草稿已保存', icon: 'success', duration: 1500 })
    } catch (err) {
      show(err)
    }
  })

  const [submitting, submit] = useSubmit(async () => {
    if (!studentId) return
    clear()
    try {
      const body = checkForm(ProfileSubmissionSchema, submissionBody(form, consentNeeded))
      // Inside the tap: WeChat only shows the subscribe dialog for a user gesture.
      requestReviewSubscription(subscribeIds.current)
      await submitProfile(studentId, body)
      void Taro.showToast({ title: '已提交审核', icon: 'success', duration: 1500 })
      await replacePage(withQuery(PAGES.status, { studentId }))
    } catch (err) {
      const error = show(err)
      // Point at the field as well; the notice says to contact the school.
      if (error.code === 'ID_ALREADY_APPROVED') setFieldError('personal.residentId', '该身份证号已在其他账号下认证')
    }
  })

  if (!loaded) {
    return (
      <View className='page profile-form-page'>
        <PageState loading error={loadError} onRetry={() => void load()} />
      </View>
    )
  }

  const top = stateNotice(student)

  return (
    <View className='page profile-form-page' data-testid='profile-form'>
      <FlowSteps current={1} />
      {top && <FormNotice tone={top.tone} message={top.text} testId='form-state-notice' />}
      <FormNotice message={notice} />

      <Text className='section-title'>个人信息</Text>
      <View className='form-card'>
        <Field
          name='personal-name'
          label='学生姓名'
          placeholder='与户口簿一致'
          maxLength={30}
          value={form.personal.name}
          onChange={editPersonal('name')}
          error={errors['personal.name']}
          disabled={locked}
        />
        <Field
          name='personal-residentId'
          label='身份证号'
          type='idcard'
          placeholder='学生 18 位身份证号'
          maxLength={18}
          value={form.personal.residentId}
          onChange={editPersonal('residentId')}
          error={errors['personal.residentId']}
          disabled={locked}
        />
        <Field
          name='personal-phone'
          label='手机号'
          type='number'
          placeholder='选填，学生本人手机号'
          maxLength={11}
          value={form.personal.phone}
          onChange={editPersonal('phone')}
          error={errors['personal.phone']}
          disabled={locked}
        />
        <Field
          name='personal-email'
          label='电子邮箱'
          placeholder='选填'
          maxLength={100}
          value={form.personal.email}
          onChange={editPersonal('email')}
          error={errors['personal.email']}
          disabled={locked}
        />
      </View>

      <Text className='section-title'>学籍信息</Text>
      <View className='form-card'>
        <SchoolSection school={form.school} onChange={setSchool} errors={errors} onEdited={clear} disabled={locked} />
      </View>

      <View className='section-title section-title--row'>
        <Text>监护人信息</Text>
        <Text className='section-title__hint'>至少填写 1 位，最多 2 位</Text>
      </View>
      {form.guardians.map((guardian, index) => (
        <GuardianCard
          key={index}
          index={index}
          guardian={guardian}
          onEdit={editGuardian(index)}
          errors={errors}
          disabled={locked}
          onRemove={
            index > 0
              ? () => {
                  setForm((f) => ({ ...f, guardians: f.guardians.filter((_, i) => i !== index) }))
                  clear()
                }
              : undefined
          }
        />
      ))}
      {form.guardians.length < MAX_GUARDIANS && !locked && (
        <View
          className='add-guardian btn-add-guardian'
          data-testid='add-guardian'
          onClick={() => setForm((f) => ({ ...f, guardians: [...f.guardians, { ...EMPTY_GUARDIAN }] }))}
        >
          <Text className='add-guardian__plus'>+</Text>
          <Text>添加第二位监护人</Text>
        </View>
      )}

      {consentNeeded && (
        <GuardianConsent
          checked={form.consent}
          guardianName={form.guardians[0]?.name}
          error={errors.consent}
          disabled={locked}
          onChange={(checked) => {
            setForm((f) => ({ ...f, consent: checked }))
            clear('consent')
          }}
        />
      )}

      <SubmitButton name='submit-profile' loading={submitting} disabled={locked || saving} onClick={submit}>
        提交审核
      </SubmitButton>
      <SubmitButton name='save-draft' fill='outline' loading={saving} disabled={locked || submitting} onClick={save}>
        保存草稿
      </SubmitButton>
      <Text className='tips' data-testid='draft-saved-at'>
        {savedAt ? `草稿保存于 ${formatChinaDateTime(savedAt)}。` : ''}
        提交后系统将自动与学籍库比对，信息一致即可通过；不一致的由班主任审核。
      </Text>
    </View>
  )
}
