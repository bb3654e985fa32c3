import { useEffect, useRef, useState } from 'react'
import { Text, View } from '@tarojs/components'
import Taro, { useDidShow, usePullDownRefresh } from '@tarojs/taro'
import type { z } from 'zod'
import type { SentNoticeItemSchema } from '../../../../domain/api/notices'
import PageHeader from '../../components/PageHeader'
import PageState from '../../components/PageState'
import SubmitButton from '../../components/SubmitButton'
import { toAppError } from '../../hooks/useFormErrors'
import { useRequireSignIn } from '../../hooks/useRequireSignIn'
import { PAGES, openPage, withQuery } from '../../services/navigation'
import { listSentNotices } from '../../services/notices'
import { formatChinaDate } from '../../utils/format'
import { EmptyCard, TypeTag, dueText } from './parts'

type Item = z.infer<typeof SentNoticeItemSchema>

/** 已发通知 (teacher): their notices, newest first, with read / confirmed counts; a tap opens 通知回执. */
export default function SentNotices() {
  const signedIn = useRequireSignIn()
  const [items, setItems] = useState<Item[]>()
  const [total, setTotal] = useState(0)
  const [page, setPage] = useState(1)
  const [error, setError] = useState<string>()

  const load = async () => {
    if (!signedIn) return
    try {
      const result = await listSentNotices()
      setItems(result.items)
      setTotal(result.total)
      setPage(1)
      setError(undefined)
    } catch (err) {
      setError(toAppError(err).message)
    }
  }

  const mounted = useRef(false)
  useEffect(() => {
    mounted.current = true
    void load()
  }, [])
  useDidShow(() => {
    if (mounted.current) void load()
  })
  usePullDownRefresh(() => void load().finally(() => Taro.stopPullDownRefresh()))

  const more = async () => {
    try {
      const result = await listSentNotices(page + 1)
      setItems((prev) => [...(prev ?? []), ...result.items])
      setTotal(result.total)
      setPage(page + 1)
    } catch (err) {
      void Taro.showToast({ title: toAppError(err).message, icon: 'none' })
    }
  }

  return (
    <View className='page notices-page' data-testid='sent-notices'>
      <PageHeader title='已发通知' desc='查看家长的阅读和确认情况，提醒未读的家长' />
      <View className='notices-compose-entry'>
        <SubmitButton name='compose-notice' loading={false} onClick={() => void openPage(PAGES.noticeCompose)}>
          发布通知
        </SubmitButton>
      </View>
      {!items ? (
        <PageState loading error={error} onRetry={() => void load()} />
      ) : items.length === 0 ? (
        <EmptyCard testId='sent-empty' title='还没有发布通知' desc='发布的通知和作业会推送给班级学生的家长。' />
      ) : (
        <View className='notice-list' data-testid='sent-list'>
          {items.map((item) => (
            <View
              key={item.id}
              className='notice-item sent-item'
              data-testid='sent-item'
              data-notice-id={item.id}
              onClick={() => void openPage(withQuery(PAGES.noticeReceipts, { id: item.id }))}
            >
              <View className='notice-item__top'>
                <TypeTag type={item.type} />
                <Text className='notice-item__title'>{item.title}</Text>
              </View>
              <Text className='notice-item__date'>
                {formatChinaDate(item.createdAt)} · {item.classNames.join('、')}
                {item.dueDate ? ` · ${dueText(item.dueDate)}` : ''}
              </Text>
              <View className='sent-item__counts' data-testid='sent-counts'>
                <Text className='sent-item__count'>
                  已读 <Text className='sent-item__num'>{item.counts.opened}</Text>/{item.counts.total}
                </Text>
                {item.requiresConfirmation && (
                  <Text className='sent-item__count'>
                    已确认 <Text className='sent-item__num'>{item.counts.confirmed}</Text>
                  </Text>
                )}
                <Text className='sent-item__count sent-item__count--unread'>
                  未读 <Text className='sent-item__num'>{item.counts.unread}</Text>
                </Text>
              </View>
            </View>
          ))}
          {items.length < total && (
            <Text className='notice-more' onClick={() => void more()}>
              加载更多
            </Text>
          )}
        </View>
      )}
    </View>
  )
}
