import { useState } from 'react'
import { Text, View } from '@tarojs/components'
import { GUARDIAN_RELATIONS, GUARDIAN_RELATION_LABELS, type GuardianRelation } from '../../../../domain/profile/schemas'
import Field from '../../components/Field'
import OptionSheet from '../../components/OptionSheet'
import PickerField from '../../components/PickerField'
import type { GuardianForm } from './form-model'

interface Props {
  index: number
  guardian: GuardianForm
  onEdit: (key: keyof GuardianForm, value: string) => void
  errors: Readonly<Partial<Record<string, string>>>
  onRemove?: () => void
  disabled?: boolean
}

const ORDINALS = ['第一监护人', '第二监护人']

function relationLabel(value: string): string | undefined {
  return (GUARDIAN_RELATIONS as readonly string[]).includes(value) ? GUARDIAN_RELATION_LABELS[value as GuardianRelation] : undefined
}

/** One guardian: name, relation (a sheet), resident ID, phone, address. */
export default function GuardianCard({ index, guardian, onEdit, errors, onRemove, disabled }: Props) {
  const [choosing, setChoosing] = useState(false)
  const path = (key: string) => `guardians.${index}.${key}`
  const name = (key: string) => `guardians-${index}-${key}`
  return (
    <View className='form-card guardian-card' data-testid={`guardian-${index}`}>
      <View className='guardian-card__head'>
        <Text className='guardian-card__title'>{ORDINALS[index] ?? `监护人 ${index + 1}`}</Text>
        {onRemove && !disabled ? (
          <Text className='guardian-card__remove btn-remove-guardian' onClick={onRemove}>
            删除
          </Text>
        ) : null}
      </View>
      <Field
        name={name('name')}
        label='姓名'
        placeholder='监护人姓名'
        maxLength={30}
        value={guardian.name}
        onChange={(v) => onEdit('name', v)}
        error={errors[path('name')]}
        disabled={disabled}
      />
      <PickerField
        name={name('relation')}
        label='关系'
        value={relationLabel(guardian.relation)}
        placeholder='与学生的关系'
        onOpen={() => setChoosing(true)}
        error={errors[path('relation')]}
        disabled={disabled}
      />
      <Field
        name={name('residentId')}
        label='身份证号'
        type='idcard'
        placeholder='监护人 18 位身份证号'
        maxLength={18}
        value={guardian.residentId}
        onChange={(v) => onEdit('residentId', v)}
        error={errors[path('residentId')]}
        disabled={disabled}
      />
      <Field
        name={name('phone')}
        label='手机号'
        type='number'
        placeholder='用于接收审核通知'
        maxLength={11}
        value={guardian.phone}
        onChange={(v) => onEdit('phone', v)}
        error={errors[path('phone')]}
        disabled={disabled}
      />
      <Field
        name={name('address')}
        label='家庭住址'
        placeholder='省市区、街道、门牌号'
        maxLength={120}
        value={guardian.address}
        onChange={(v) => onEdit('address', v)}
        error={errors[path('address')]}
        disabled={disabled}
      />
      <OptionSheet
        name={`relation-${index}`}
        title='与学生的关系'
        open={choosing}
        options={GUARDIAN_RELATIONS.map((r) => ({ value: r, label: GUARDIAN_RELATION_LABELS[r] }))}
        value={guardian.relation}
        onSelect={(value) => {
          setChoosing(false)
          onEdit('relation', value)
        }}
        onClose={() => setChoosing(false)}
      />
    </View>
  )
}
