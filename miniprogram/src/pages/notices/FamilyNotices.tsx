import { useEffect, useRef, useState } from 'react'
import { Text, View } from '@tarojs/components'
import Taro, { useDidShow, usePullDownRefresh, useRouter } from '@tarojs/taro'
import type { z } from 'zod'
import type { MyNoticeItemSchema } from '../../../../domain/api/notices'
import type { StudentSummary } from '../../../../domain/api/profiles'
import PageHeader from '../../components/PageHeader'
import PageState from '../../components/PageState'
import { toAppError } from '../../hooks/useFormErrors'
import { useRequireSignIn } from '../../hooks/useRequireSignIn'
import { PAGES, openPage, pageParam, withQuery } from '../../services/navigation'
import { listMyNotices } from '../../services/notices'
import { listStudents } from '../../services/profiles'
import { formatChinaDate } from '../../utils/format'
import { ConfirmBadge, EmptyCard, TypeTag, dueText } from './parts'
import { useSubscribeRequest } from '../../hooks/useSubscribeRequest'

type Item = z.infer<typeof MyNoticeItemSchema>

/**
 * Students whose class notices reach the family: those holding a valid card
 * (the one rule of domain/card/card-holder.ts), also while a change of theirs
 * is reviewed or was returned, or a new semester asks to reconfirm.
 */
function hasClass(student: StudentSummary): boolean {
  return student.hasValidCard
}

/**
 * 公告作业 (family): every notice of the family once, newest first, naming the
 * children it concerns when there are several (a filter per child): type tag,
 * title, date, due date of homework, unread dot, 需确认 / 已确认. A tap opens
 * the notice (which marks it read for all of them).
 */
export default function FamilyNotices() {
  const signedIn = useRequireSignIn()
  const router = useRouter()
  const [students, setStudents] = useState<StudentSummary[]>()
  // undefined: all children's notices.
  const [studentId, setStudentId] = useState<string | undefined>(pageParam(router.params, 'studentId'))
  const [items, setItems] = useState<Item[]>()
  const [total, setTotal] = useState(0)
  const [page, setPage] = useState(1)
  const [error, setError] = useState<string>()
  const [loadingMore, setLoadingMore] = useState(false)

  const load = async (wanted = studentId) => {
    if (!signedIn) return
    try {
      const list = (await listStudents()).items.filter(hasClass)
      setStudents(list)
      const chosen = list.find((s) => s.id === wanted)?.id
      setStudentId(chosen)
      if (list.length === 0) {
        setItems([])
        setTotal(0)
        setError(undefined)
        return
      }
      const result = await listMyNotices(chosen ? { studentId: chosen } : {})
      setItems(result.items)
      setTotal(result.total)
      setPage(1)
      setError(undefined)
    } catch (err) {
      setError(toAppError(err).message)
    }
  }

  // Mounted once the account is known (after the page was shown): load now, and again on every return.
  const mounted = useRef(false)
  useEffect(() => {
    mounted.current = true
    void load()
  }, [])
  useDidShow(() => {
    if (mounted.current) void load()
  })
  usePullDownRefresh(() => void load().finally(() => Taro.stopPullDownRefresh()))

  const choose = (id: string | undefined) => {
    if (id === studentId) return
    setStudentId(id)
    setItems(undefined)
    void load(id)
  }

  const more = async () => {
    if (loadingMore) return
    setLoadingMore(true)
    try {
      const result = await listMyNotices({ ...(studentId ? { studentId } : {}), page: page + 1 })
      setItems((prev) => [...(prev ?? []), ...result.items])
      setTotal(result.total)
      setPage(page + 1)
    } catch (err) {
      void Taro.showToast({ title: toAppError(err).message, icon: 'none' })
    } finally {
      setLoadingMore(false)
    }
  }

  const askSubscription = useSubscribeRequest()
  // Opening a notice is the family's natural tap here: ask (weapp) for the next notices' messages on the way.
  const open = (item: Item) => {
    askSubscription()
    void openPage(withQuery(PAGES.noticeDetail, { id: item.id }))
  }
  const several = (students?.length ?? 0) > 1

  return (
    <View className='page notices-page' data-testid='family-notices'>
      <PageHeader title='公告作业' desc='班级通知和作业，打开即视为已读' />
      {students && students.length > 1 && (
        <View className='child-switcher' data-testid='child-switcher'>
          <View
            className={`child-switcher__item${studentId === undefined ? ' child-switcher__item--active' : ''}`}
            data-testid='child-option-all'
            onClick={() => choose(undefined)}
          >
            <Text>全部</Text>
          </View>
          {students.map((s) => (
            <View
              key={s.id}
              className={`child-switcher__item${s.id === studentId ? ' child-switcher__item--active' : ''}`}
              data-testid='child-option'
              data-student-id={s.id}
              onClick={() => choose(s.id)}
            >
              <Text>{s.nameMasked ?? '学生'}</Text>
            </View>
          ))}
        </View>
      )}
      {students && students.length === 1 && (
        <Text className='notices-child' data-testid='notices-child'>
          {students[0]!.nameMasked ?? '学生'} 的班级
        </Text>
      )}
      {!items ? (
        <PageState loading error={error} onRetry={() => void load()} />
      ) : students && students.length === 0 ? (
        <EmptyCard testId='notices-no-student' title='还没有已认证的学生' desc='学生身份认证通过后，可在这里查看班级的通知和作业。' />
      ) : items.length === 0 ? (
        <EmptyCard testId='notices-empty' title='暂无通知' desc='老师发布的通知和作业会显示在这里。' />
      ) : (
        <View className='notice-list' data-testid='notice-list'>
          {items.map((item) => (
            <View
              key={item.id}
              className={`notice-item${item.readAt ? '' : ' notice-item--unread'}`}
              data-testid='notice-item'
              data-notice-id={item.id}
              data-read={item.readAt ? 'true' : 'false'}
              data-confirmed={item.confirmedAt ? 'true' : 'false'}
              onClick={() => open(item)}
            >
              <View className='notice-item__top'>
                <TypeTag type={item.type} />
                <Text className='notice-item__title' data-testid='notice-title'>
                  {item.title}
                </Text>
                {!item.readAt && <View className='notice-item__dot' data-testid='unread-dot' />}
              </View>
              <View className='notice-item__meta'>
                <Text className='notice-item__date'>
                  {formatChinaDate(item.createdAt)} · {item.authorName}
                </Text>
                <ConfirmBadge required={item.requiresConfirmation} confirmedAt={item.confirmedAt} />
              </View>
              {several && item.students.length > 0 && (
                <Text className='notice-item__children' data-testid='notice-children'>
                  {item.students.map((s) => s.studentNameMasked).join('、')}
                </Text>
              )}
              {item.dueDate && (
                <Text className='notice-item__due' data-testid='notice-due'>
                  {dueText(item.dueDate)}
                </Text>
              )}
            </View>
          ))}
          {items.length < total && (
            <Text className='notice-more' data-testid='notices-more' onClick={() => void more()}>
              {loadingMore ? '加载中…' : '加载更多'}
            </Text>
          )}
        </View>
      )}
    </View>
  )
}
