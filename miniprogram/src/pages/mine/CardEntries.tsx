import { useState } from 'react'
import { CellGroup } from '@nutui/nutui-react-taro'
import '@nutui/nutui-react-taro/dist/es/packages/cellgroup/style/css'
import { FAMILY_ROLES, type AccountView } from '../../../../domain/api/account'
import type { StudentSummary } from '../../../../domain/api/profiles'
import { VERIFIER_ROLES } from '../../services/ecard'
import { PAGES, openPage, withQuery } from '../../services/navigation'
import { listStudents } from '../../services/profiles'
import { linkCell, useEntryLoad } from './EntryCell'

const FAMILY: ReadonlySet<string> = new Set(FAMILY_ROLES)

/**
 * 我的 → the cards: for a family, 电子卡 and 通讯卡 of every student whose card
 * was issued; for staff, 卡片验证.
 */
export default function CardEntries({ account }: { account: AccountView | undefined }) {
  const [students, setStudents] = useState<StudentSummary[]>([])
  const family = account ? FAMILY.has(account.role) : false

  // When the account becomes known (or changes), and on every return to 我的.
  useEntryLoad(
    family,
    (isFamily) => {
      if (!isFamily) return
      listStudents()
        .then((page) => setStudents(page.items.filter((s) => s.card !== null)))
        .catch(() => undefined)
    },
    [family, account?.id],
    () => {
      if (!family) setStudents([])
    },
  )

  if (!account) return null
  if (VERIFIER_ROLES.has(account.role)) {
    return (
      <CellGroup className='mine-group' title='教师工具'>
        {linkCell('verify', '卡片验证', '扫码核验电子卡', () => void openPage(PAGES.verify))}
      </CellGroup>
    )
  }
  if (!family || students.length === 0) return null
  return (
    <CellGroup className='mine-group' title='电子教育卡'>
      {students.flatMap((student) => {
        const name = student.nameMasked ?? '学生'
        const query = { studentId: student.id }
        return [
          linkCell(`ecard-${student.id}`, `${name} · 电子卡`, student.card?.valid ? '出示二维码' : '已撤销', () =>
            void openPage(withQuery(PAGES.ecard, query)),
          ),
          linkCell(`comm-card-${student.id}`, `${name} · 通讯卡`, '自愿选用', () => void openPage(withQuery(PAGES.commCard, query))),
        ]
      })}
    </CellGroup>
  )
}
