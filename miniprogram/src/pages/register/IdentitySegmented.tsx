import { Text, View } from '@tarojs/components'
import { ACCOUNT_ROLE_LABELS, FAMILY_ROLES, type FamilyRole } from '../../../../domain/api/auth'

const DESCRIPTIONS: Record<FamilyRole, string> = {
  parent: '为孩子办理认证',
  student: '学生本人办理',
}

interface Props {
  value: FamilyRole
  onChange: (value: FamilyRole) => void
}

/** 家长 / 学生: a two-segment control. */
export default function IdentitySegmented({ value, onChange }: Props) {
  return (
    <View className='identity-segmented' data-testid='identity'>
      {FAMILY_ROLES.map((role) => (
        <View
          key={role}
          className={`identity-segmented__item identity-${role}${value === role ? ' identity-segmented__item--active' : ''}`}
          onClick={() => onChange(role)}
        >
          <Text className='identity-segmented__label'>{ACCOUNT_ROLE_LABELS[role]}</Text>
          <Text className='identity-segmented__desc'>{DESCRIPTIONS[role]}</Text>
        </View>
      ))}
    </View>
  )
}
