import { useMemo, useState } from 'react'
import { Text, View } from '@tarojs/components'
import Taro from '@tarojs/taro'
import { UpdateContactRequestSchema, type StudentDetail } from '../../../../domain/api/profiles'
import Field from '../../components/Field'
import FormNotice from '../../components/FormNotice'
import SubmitButton from '../../components/SubmitButton'
import { useFormErrors } from '../../hooks/useFormErrors'
import { useSubmit } from '../../hooks/useSubmit'
import { checkForm } from '../../services/auth'
import { updateContact } from '../../services/profiles'

interface Props {
  studentId: string
  profile: NonNullable<StudentDetail['latest']>['profile']
  onSaved: (detail: StudentDetail) => void
  onCancel: () => void
}

/**
 * 修改联系方式: the student's phone and e-mail, each guardian's phone and
 * address. Only what was changed is sent; it applies at once (no review).
 */
export default function ContactEditor({ studentId, profile, onSaved, onCancel }: Props) {
  const [personal, setPersonal] = useState({ phone: '', email: '' })
  const [guardians, setGuardians] = useState(profile.guardians.map((g) => ({ phone: '', address: g.address })))
  const paths = useMemo(() => {
    const list = ['personal.phone', 'personal.email']
    profile.guardians.forEach((_, i) => list.push(`guardians.${i}.phone`, `guardians.${i}.address`))
    return list
  }, [profile.guardians])
  const { errors, notice, show, clear } = useFormErrors(paths, { toast: true })

  const [saving, save] = useSubmit(async () => {
    clear()
    try {
      const personalChanges = {
        ...(personal.phone.trim() ? { phone: personal.phone } : {}),
        ...(personal.email.trim() ? { email: personal.email } : {}),
      }
      const guardianChanges = guardians.map((g, i) => ({
        ...(g.phone.trim() ? { phone: g.phone } : {}),
        ...(g.address.trim() !== (profile.guardians[i]?.address ?? '') ? { address: g.address } : {}),
      }))
      const anyGuardian = guardianChanges.some((g) => Object.keys(g).length > 0)
      const body = {
        ...(Object.keys(personalChanges).length > 0 ? { personal: personalChanges } : {}),
        ...(anyGuardian ? { guardians: guardianChanges } : {}),
      }
      if (Object.keys(body).length === 0) {
        void Taro.showToast({ title: '没有需要保存的修改', icon: 'none' })
        return
      }
      const detail = await updateContact(studentId, checkForm(UpdateContactRequestSchema, body))
      void Taro.showToast({ title: '联系方式已更新', icon: 'success', duration: 1500 })
      onSaved(detail)
    } catch (err) {
      show(err)
    }
  })

  return (
    <View className='contact-editor' data-testid='contact-editor'>
      <FormNotice tone='info' message='联系方式修改后立即生效，无需重新审核。不修改的项目请留空。' />
      <FormNotice message={notice} />
      <Text className='section-title'>学生联系方式</Text>
      <View className='form-card'>
        <Field
          name='contact-personal-phone'
          label='手机号'
          type='number'
          maxLength={11}
          placeholder={profile.personal.phoneMasked ? `当前 ${profile.personal.phoneMasked}` : '未填写'}
          value={personal.phone}
          onChange={(v) => {
            setPersonal((p) => ({ ...p, phone: v }))
            clear('personal.phone')
          }}
          error={errors['personal.phone']}
        />
        <Field
          name='contact-personal-email'
          label='电子邮箱'
          maxLength={100}
          placeholder={profile.personal.emailMasked ? `当前 ${profile.personal.emailMasked}` : '未填写'}
          value={personal.email}
          onChange={(v) => {
            setPersonal((p) => ({ ...p, email: v }))
            clear('personal.email')
          }}
          error={errors['personal.email']}
        />
      </View>
      {profile.guardians.map((g, i) => (
        <View key={i}>
          <Text className='section-title'>
            {g.relationLabel} {g.name}
          </Text>
          <View className='form-card'>
            <Field
              name={`contact-guardians-${i}-phone`}
              label='手机号'
              type='number'
              maxLength={11}
              placeholder={`当前 ${g.phoneMasked}`}
              value={guardians[i]?.phone ?? ''}
              onChange={(v) => {
                setGuardians((list) => list.map((x, j) => (j === i ? { ...x, phone: v } : x)))
                clear(`guardians.${i}.phone`)
              }}
              error={errors[`guardians.${i}.phone`]}
            />
            <Field
              name={`contact-guardians-${i}-address`}
              label='家庭住址'
              maxLength={120}
              placeholder='家庭住址'
              value={guardians[i]?.address ?? ''}
              onChange={(v) => {
                setGuardians((list) => list.map((x, j) => (j === i ? { ...x, address: v } : x)))
                clear(`guardians.${i}.address`)
              }}
              error={errors[`guardians.${i}.address`]}
            />
          </View>
        </View>
      ))}
      <SubmitButton name='save-contact' loading={saving} onClick={save}>
        保存联系方式
      </SubmitButton>
      <SubmitButton name='cancel-contact' fill='outline' loading={false} disabled={saving} onClick={onCancel}>
        取消
      </SubmitButton>
    </View>
  )
}
