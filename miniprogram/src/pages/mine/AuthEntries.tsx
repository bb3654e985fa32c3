import { useCallback, useEffect, useRef, useState } from 'react'
import { Text, View } from '@tarojs/components'
import { useDidShow } from '@tarojs/taro'
import { Cell, CellGroup } from '@nutui/nutui-react-taro'
import '@nutui/nutui-react-taro/dist/es/packages/cell/style/css'
import '@nutui/nutui-react-taro/dist/es/packages/cellgroup/style/css'
import { FAMILY_ROLES, type AccountView } from '../../../../domain/api/auth'
import { PAGES, openPage } from '../../services/navigation'
import { listStudents } from '../../services/profiles'
import { listReviews } from '../../services/reviews'

const FAMILY: ReadonlySet<string> = new Set(FAMILY_ROLES)
const REVIEWERS: ReadonlySet<string> = new Set(['teacher', 'school_admin'])

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
 * 我的 → 学生认证: 我的学生 for a family (with how many), 审核工作台 for a head
 * teacher or school admin (with how many wait).
 */
export default function AuthEntries({ account }: { account: AccountView | undefined }) {
  const role = account?.role
  const [summary, setSummary] = useState<string>()
  const roleRef = useRef(role)
  roleRef.current = role

  const load = useCallback(() => {
    const r = roleRef.current
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
  }, [])

  useEffect(() => {
    setSummary(undefined)
    load()
  }, [role, account?.id, load])
  useDidShow(load)

  if (!role) return null
  if (FAMILY.has(role)) {
    return (
      <CellGroup className='mine-group' title='学生认证'>
        {entry('students', '我的学生', summary ?? '', () => void openPage(PAGES.students))}
      </CellGroup>
    )
  }
  if (REVIEWERS.has(role)) {
    return (
      <CellGroup className='mine-group' title='学生认证'>
        {entry('reviews', '审核工作台', summary ?? '', () => void openPage(PAGES.reviews))}
      </CellGroup>
    )
  }
  return null
}
