import { useCallback, useEffect, useRef, useState } from 'react'
import { Text, View } from '@tarojs/components'
import { useDidShow } from '@tarojs/taro'
import { Cell, CellGroup } from '@nutui/nutui-react-taro'
import '@nutui/nutui-react-taro/dist/es/packages/cell/style/css'
import '@nutui/nutui-react-taro/dist/es/packages/cellgroup/style/css'
import { FAMILY_ROLES, type AccountView } from '../../../../domain/api/auth'
import { PAGES, openPage } from '../../services/navigation'
import { listMyNotices } from '../../services/notices'

const FAMILY: ReadonlySet<string> = new Set(FAMILY_ROLES)
const STAFF: ReadonlySet<string> = new Set(['teacher', 'school_admin'])

function entry(key: string, title: string, value: string, onClick: () => void) {
  return (
    <Cell
      key={key}
      className={`mine-cell cell-${key}`}
      title={title}
      align='center'
      clickable
      onClick={onClick}
      extra={
        <View className='mine-cell__extra'>
          <Text className='mine-cell__value'>{value}</Text>
          <View className='mine-cell__arrow' />
        </View>
      }
    />
  )
}

/**
 * 我的 → 公告作业: the families' list (with how many are unread on its first
 * page); 发布通知 and 已发通知 for teachers and school administrators.
 */
export default function NoticeEntries({ account }: { account: AccountView | undefined }) {
  const role = account?.role
  const family = role ? FAMILY.has(role) : false
  const [unread, setUnread] = useState<number>()
  const familyRef = useRef(family)
  familyRef.current = family

  const load = useCallback(() => {
    if (!familyRef.current) return
    listMyNotices()
      .then((page) => setUnread(page.items.filter((n) => !n.readAt).length))
      .catch(() => undefined)
  }, [])

  useEffect(() => {
    setUnread(undefined)
    load()
  }, [family, account?.id, load])
  useDidShow(load)

  if (!role) return null
  if (family) {
    return (
      <CellGroup className='mine-group' title='公告作业'>
        {entry('notices', '公告作业', unread ? `${unread} 条未读` : '班级通知和作业', () => void openPage(PAGES.notices))}
      </CellGroup>
    )
  }
  if (STAFF.has(role)) {
    return (
      <CellGroup className='mine-group' title='公告作业'>
        {entry('notice-compose', '发布通知', '通知、作业', () => void openPage(PAGES.noticeCompose))}
        {entry('notices-sent', '已发通知', '阅读与确认回执', () => void openPage(PAGES.notices))}
      </CellGroup>
    )
  }
  return null
}
