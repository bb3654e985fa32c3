import { ACCOUNT_ROLE_LABELS, FAMILY_ROLES, type FamilyRole } from '../../../../domain/api/auth'
import Segmented from '../../components/Segmented'

const SEGMENTS = FAMILY_ROLES.map((role) => ({
  value: role,
  label: ACCOUNT_ROLE_LABELS[role],
  desc: ({ parent: '为孩子办理认证', student: '学生本人办理' } satisfies Record<FamilyRole, string>)[role],
}))

interface Props {
  value: FamilyRole
  onChange: (value: FamilyRole) => void
}

/** 家长 / 学生: a two-segment control. */
export default function IdentitySegmented({ value, onChange }: Props) {
  return <Segmented testId='identity' itemClassPrefix='identity' segments={SEGMENTS} value={value} onChange={onChange} />
}
