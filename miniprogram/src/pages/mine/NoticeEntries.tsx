import { useState } from 'react'
import { CellGroup } from '@nutui/nutui-react-taro'
import '@nutui/nutui-react-taro/dist/es/packages/cellgroup/style/css'
import { FAMILY_ROLES, type AccountView } from '../../../../domain/api/account'
import { PAGES, openPage } from '../../services/navigation'
import { listMyNotices } from '../../services/notices'
import { linkCell, useEntryLoad } from './EntryCell'

const FAMILY: ReadonlySet<string> = new Set(FAMILY_ROLES)
const STAFF: ReadonlySet<string> = new Set(['teacher', 'school_admin'])

/**
 * 我的 → 公告作业: the families' list (with how many are unread on its first
 * page); 发布通知 and 已发通知 for teachers and school administrators.
 */
export default function NoticeEntries({ account }: { account: AccountView | undefined }) {
  const role = account?.role
  const family = role ? FAMILY.has(role) : false
  const [unread, setUnread] = useState<number>()
  useEntryLoad(
    family,
    (isFamily) => {
      if (!isFamily) return
      listMyNotices()
        .then((page) => setUnread(page.items.filter((n) => !n.readAt).length))
        .catch(() => undefined)
    },
    [family, account?.id],
    () => setUnread(undefined),
  )

  if (!role) return null
  if (family) {
    return (
      <CellGroup className='mine-group' title='公告作业'>
        {linkCell('notices', '公告作业', unread ? `${unread} 条未读` : '班级通知和作业', () => void openPage(PAGES.notices))}
      </CellGroup>
    )
  }
  if (STAFF.has(role)) {
    return (
      <CellGroup className='mine-group' title='公告作业'>
        {linkCell('notice-compose', '发布通知', '通知、作业', () => void openPage(PAGES.noticeCompose))}
        {linkCell('notices-sent', '已发通知', '阅读与确认回执', () => void openPage(PAGES.notices))}
      </CellGroup>
    )
  }
  return null
}
