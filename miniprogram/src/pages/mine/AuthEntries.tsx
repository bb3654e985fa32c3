import { useState } from 'react'
import { CellGroup } from '@nutui/nutui-react-taro'
import '@nutui/nutui-react-taro/dist/es/packages/cellgroup/style/css'
import { FAMILY_ROLES, type AccountView } from '../../../../domain/api/account'
import { PAGES, openPage } from '../../services/navigation'
import { listStudents } from '../../services/profiles'
import { listReviews } from '../../services/reviews'
import { linkCell, useEntryLoad } from './EntryCell'

const FAMILY: ReadonlySet<string> = new Set(FAMILY_ROLES)
const REVIEWERS: ReadonlySet<string> = new Set(['teacher', 'school_admin'])

/**
 * 我的 → 学生认证: 我的学生 for a family (with how many), 审核工作台 for a head
 * teacher or school admin (with how many wait).
 */
export default function AuthEntries({ account }: { account: AccountView | undefined }) {
  const role = account?.role
  const [summary, setSummary] = useState<string>()
  useEntryLoad(
    role,
    (r) => {
      if (r && FAMILY.has(r)) {
        listStudents()
          .then((page) => setSummary(page.total > 0 ? `${page.total} 名学生` : '添加学生'))
          .catch(() => undefined)
      } else if (r && REVIEWERS.has(r)) {
        listReviews({ status: 'pending_review' })
          .then((page) => {
            const waiting = page.classes.reduce((sum, c) => sum + c.pendingReview, 0)
            setSummary(waiting > 0 ? `${waiting} 份待审核` : '暂无待审核')
          })
          .catch(() => undefined)
      }
    },
    [role, account?.id],
    () => setSummary(undefined),
  )

  if (!role) return null
  if (FAMILY.has(role)) {
    return (
      <CellGroup className='mine-group' title='学生认证'>
        {linkCell('students', '我的学生', summary ?? '', () => void openPage(PAGES.students))}
      </CellGroup>
    )
  }
  if (REVIEWERS.has(role)) {
    return (
      <CellGroup className='mine-group' title='学生认证'>
        {linkCell('reviews', '审核工作台', summary ?? '', () => void openPage(PAGES.reviews))}
      </CellGroup>
    )
  }
  return null
}
