import { useCallback, useEffect, useRef, useState } from 'react'
import { Text, View } from '@tarojs/components'
import { useDidShow } from '@tarojs/taro'
import { Cell, CellGroup } from '@nutui/nutui-react-taro'
import '@nutui/nutui-react-taro/dist/es/packages/cell/style/css'
import '@nutui/nutui-react-taro/dist/es/packages/cellgroup/style/css'
import { FAMILY_ROLES, type AccountView } from '../../../../domain/api/auth'
import type { StudentSummary } from '../../../../domain/api/profiles'
import { VERIFIER_ROLES } from '../../services/ecard'
import { PAGES, openPage, withQuery } from '../../services/navigation'
import { listStudents } from '../../services/profiles'

const FAMILY: ReadonlySet<string> = new Set(FAMILY_ROLES)

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
 * 我的 → the cards: for a family, 电子卡 and 通讯卡 of every student whose card
 * was issued; for staff, 卡片验证.
 */
export default function CardEntries({ account }: { account: AccountView | undefined }) {
  const [students, setStudents] = useState<StudentSummary[]>([])
  const family = account ? FAMILY.has(account.role) : false

  const familyRef = useRef(family)
  familyRef.current = family

  const load = useCallback(() => {
    if (!familyRef.current) return
    listStudents()
      .then((page) => setStudents(page.items.filter((s) => s.card !== null)))
      .catch(() => undefined)
  }, [])

  // When the account becomes known (or changes), and on every return to 我的.
  useEffect(() => {
    if (family) load()
    else setStudents([])
  }, [family, account?.id, load])
  useDidShow(load)

  if (!account) return null
  if (VERIFIER_ROLES.has(account.role)) {
    return (
      <CellGroup className='mine-group' title='教师工具'>
        {entry('verify', '卡片验证', '扫码核验电子卡', () => void openPage(PAGES.verify))}
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
          entry(`ecard-${student.id}`, `${name} · 电子卡`, student.card?.valid ? '出示二维码' : '已撤销', () =>
            void openPage(withQuery(PAGES.ecard, query)),
          ),
          entry(`comm-card-${student.id}`, `${name} · 通讯卡`, '自愿选用', () => void openPage(withQuery(PAGES.commCard, query))),
        ]
      })}
    </CellGroup>
  )
}
