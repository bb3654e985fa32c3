import { View } from '@tarojs/components'
import { useDidShow } from '@tarojs/taro'
import PageState from '../../components/PageState'
import { useRequireSignIn } from '../../hooks/useRequireSignIn'
import { refreshAccount, useSession } from '../../services/session'
import FamilyNotices from './FamilyNotices'
import SentNotices from './SentNotices'
import './index.scss'

const STAFF: ReadonlySet<string> = new Set(['teacher', 'school_admin'])

/**
 * pages/notices/index: 公告作业 for a family (their children's notices and
 * homework, ?studentId= picks the child), 已发通知 for a teacher or school
 * administrator (their notices with receipt counts, and 发布通知).
 */
export default function NoticesPage() {
  const signedIn = useRequireSignIn()
  const session = useSession()
  useDidShow(() => {
    if (signedIn) void refreshAccount().catch(() => undefined)
  })
  const role = session.account?.role
  if (!role) {
    return (
      <View className='page notices-page'>
        <PageState loading />
      </View>
    )
  }
  return STAFF.has(role) ? <SentNotices /> : <FamilyNotices />
}
