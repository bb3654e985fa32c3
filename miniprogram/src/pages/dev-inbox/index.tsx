import { useCallback, useRef, useState } from 'react'
import { Text, View } from '@tarojs/components'
import Taro, { useDidHide, useDidShow, useUnload } from '@tarojs/taro'
import FormNotice from '../../components/FormNotice'
import { toAppError } from '../../hooks/useFormErrors'
import {
  CHANNEL_LABELS,
  DELIVERY_STATUS_LABELS,
  NOTIFICATION_KIND_LABELS,
  codeInText,
  deliveriesOf,
  fetchDevInbox,
  maskRecipient,
  newestFirst,
  notificationFields,
  wechatFields,
  wechatPagePath,
  type DevInbox,
  type DevNotification,
  type WechatMessage,
} from '../../services/dev-inbox'
import { openPage } from '../../services/navigation'
import { formatChinaDateTime } from '../../utils/format'
import PrivacyPopup from '../../components/PrivacyPopup'
import './index.scss'

const REFRESH_MS = 3000

type Tab = 'sms' | 'wechat' | 'notifications'

function copy(value: string) {
  void Taro.setClipboardData({ data: value }).then(() => {
    void Taro.showToast({ title: '已复制', icon: 'none' })
  })
}

/** A WeChat message without a text of its own: its fields, one per line. */
function describeWechat(message: WechatMessage): string {
  if (typeof message.text === 'string') return message.text
  const { at: _at, ...rest } = message
  return Object.entries(rest)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('\n')
}

function wechatTitle(message: WechatMessage): string {
  for (const key of ['kind', 'type', 'api', 'template', 'templateId', 'template_id']) {
    const value = message[key]
    if (typeof value === 'string' && value !== '') return value
  }
  return '微信消息'
}

function wechatTarget(message: WechatMessage): string {
  for (const key of ['touser', 'openid', 'to', 'phone']) {
    const value = message[key]
    if (typeof value === 'string' && value !== '') return value
  }
  return ''
}

/** A notification's data, one `key: value` per line (values as text, never HTML). */
function describeNotification(notification: DevNotification): string {
  return Object.entries(notification.data)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('\n')
}

/** Opens the page a notification links to (a page of this app; query kept). */
function openNotification(pagePath: string) {
  const url = pagePath.startsWith('/') ? pagePath : `/${pagePath}`
  void openPage(url).catch(() => {
    void Taro.showToast({ title: '无法打开该页面', icon: 'none' })
  })
}

/**
 * How a notification went out: each channel tried (status, errcode), and the
 * fields of the channel that carried it (or would have: the first one tried).
 */
function DeliveryRows({ inbox, notification }: { inbox: DevInbox | undefined; notification: DevNotification }) {
  const rows = deliveriesOf(inbox, notification.id)
  const carrier = rows.find((d) => d.status === 'sent') ?? rows[0]
  const fields = notificationFields(notification, carrier?.channel ?? 'subscribe')
  return (
    <View className='dev-deliveries' data-testid='notification-deliveries'>
      {rows.length === 0 ? (
        <Text className='dev-deliveries__none'>未发送消息（或尚在排队）</Text>
      ) : (
        rows.map((d) => (
          <View
            className={`dev-deliveries__row dev-deliveries__row--${d.status}`}
            key={d.channel}
            data-testid='delivery'
            data-channel={d.channel}
            data-status={d.status}
            data-errcode={d.errcode ?? ''}
          >
            <Text className='dev-deliveries__channel'>{CHANNEL_LABELS[d.channel] ?? d.channel}</Text>
            <Text className='dev-deliveries__status'>
              {DELIVERY_STATUS_LABELS[d.status] ?? d.status}
              {d.errcode !== null ? ` · errcode ${d.errcode}${d.errmsg ? ` ${d.errmsg}` : ''}` : ''}
              {d.attempts > 1 ? ` · ${d.attempts} 次` : ''}
            </Text>
          </View>
        ))
      )}
      {fields.length > 0 && (
        <View className='dev-fields' data-testid='notification-fields'>
          {fields.map(([key, value]) => (
            <View className='dev-fields__row' key={key}>
              <Text className='dev-fields__key'>{key}</Text>
              <Text className='dev-fields__value' selectable userSelect>
                {value}
              </Text>
            </View>
          ))}
        </View>
      )}
    </View>
  )
}

/**
 * 开发收件箱: every SMS and WeChat message the fake providers "sent", newest
 * first, refreshed every 3 s while the page is shown. Exists outside production only.
 */
export default function DevInboxPage() {
  const [inbox, setInbox] = useState<DevInbox>()
  const [error, setError] = useState<string>()
  const [tab, setTab] = useState<Tab>('sms')
  const [updatedAt, setUpdatedAt] = useState<Date>()
  const timer = useRef<ReturnType<typeof setInterval> | undefined>(undefined)
  const loading = useRef(false)

  const load = useCallback(async () => {
    if (loading.current) return
    loading.current = true
    try {
      setInbox(await fetchDevInbox())
      setError(undefined)
      setUpdatedAt(new Date())
    } catch (err) {
      const e = toAppError(err)
      setError(e.code === 'NOT_FOUND' ? '当前环境未开启开发收件箱（仅非生产环境提供）。' : e.message)
    } finally {
      loading.current = false
    }
  }, [])

  const stop = () => {
    if (timer.current !== undefined) clearInterval(timer.current)
    timer.current = undefined
  }

  useDidShow(() => {
    void load()
    stop()
    timer.current = setInterval(() => void load(), REFRESH_MS)
  })
  useDidHide(stop)
  useUnload(stop)

  const sms = newestFirst(inbox?.sms ?? [])
  const wechat = newestFirst(inbox?.wechat.messages ?? [])
  const notifications = newestFirst(inbox?.notifications ?? [])

  return (
    <View className='page dev-inbox-page'>
      <PrivacyPopup />
      <FormNotice
        tone='info'
        testId='dev-inbox-note'
        message='开发收件箱仅在非生产环境提供：短信和微信消息不会真正发出，而是显示在这里。每 3 秒自动刷新。'
      />
      <FormNotice message={error} />

      <View className='dev-inbox-tabs'>
        <View className={`dev-inbox-tabs__item tab-sms${tab === 'sms' ? ' dev-inbox-tabs__item--active' : ''}`} onClick={() => setTab('sms')}>
          <Text>短信（{sms.length}）</Text>
        </View>
        <View
          className={`dev-inbox-tabs__item tab-wechat${tab === 'wechat' ? ' dev-inbox-tabs__item--active' : ''}`}
          onClick={() => setTab('wechat')}
        >
          <Text>微信消息（{wechat.length}）</Text>
        </View>
        <View
          className={`dev-inbox-tabs__item tab-notifications${tab === 'notifications' ? ' dev-inbox-tabs__item--active' : ''}`}
          onClick={() => setTab('notifications')}
        >
          <Text>通知（{notifications.length}）</Text>
        </View>
      </View>
      {updatedAt && <Text className='dev-inbox-updated'>更新于 {formatChinaDateTime(updatedAt.toISOString())}</Text>}

      {tab === 'sms' && (
        <View className='dev-inbox-list' data-testid='sms-list'>
          {sms.length === 0 && <Text className='dev-inbox-empty'>{inbox ? '还没有短信' : '加载中…'}</Text>}
          {sms.map((message, i) => {
            const params = message.params as Record<string, unknown> | undefined
            const code = typeof params?.code === 'string' ? params.code : codeInText(message.text)
            return (
              <View className='dev-message sms-message' key={`${message.at}-${i}`} data-phone={message.phone}>
                <View className='dev-message__head'>
                  <Text className='dev-message__to sms-phone'>{message.phone}</Text>
                  <Text className='dev-message__time'>{formatChinaDateTime(message.at)}</Text>
                </View>
                {code && (
                  <View className='dev-message__code-row'>
                    <Text className='dev-message__code sms-code' selectable userSelect>
                      {code}
                    </Text>
                    <View className='dev-message__copy' onClick={() => copy(code)}>
                      <Text>复制验证码</Text>
                    </View>
                  </View>
                )}
                <Text className='dev-message__text sms-text' selectable userSelect>
                  {message.text}
                </Text>
              </View>
            )
          })}
        </View>
      )}

      {tab === 'notifications' && (
        <View className='dev-inbox-list' data-testid='notification-list'>
          {notifications.length === 0 && <Text className='dev-inbox-empty'>{inbox ? '还没有通知' : '加载中…'}</Text>}
          {notifications.map((notification, i) => (
            <View
              className='dev-message notification-item'
              key={`${notification.at}-${i}`}
              data-kind={notification.kind}
              data-page-path={notification.pagePath ?? ''}
              data-account-id={notification.accountId}
            >
              <View className='dev-message__head'>
                <Text className='dev-message__to'>{NOTIFICATION_KIND_LABELS[notification.kind] ?? notification.kind}</Text>
                <Text className='dev-message__time'>{formatChinaDateTime(notification.at)}</Text>
              </View>
              <Text className='dev-message__recipient' data-testid='notification-recipient'>
                收件账号 {maskRecipient(notification.accountId)}
              </Text>
              <DeliveryRows inbox={inbox} notification={notification} />
              <Text className='dev-message__text dev-message__text--pre' selectable userSelect>
                {describeNotification(notification)}
              </Text>
              {notification.pagePath && (
                <View className='dev-message__link-row'>
                  <Text className='dev-message__path'>{notification.pagePath}</Text>
                  <View
                    className='dev-message__open btn-open-notification'
                    data-testid='open-notification'
                    onClick={() => openNotification(notification.pagePath!)}
                  >
                    <Text>打开</Text>
                  </View>
                </View>
              )}
            </View>
          ))}
        </View>
      )}

      {tab === 'wechat' && (
        <View className='dev-inbox-list' data-testid='wechat-list'>
          {wechat.length === 0 && (
            <Text className='dev-inbox-empty'>
              {!inbox ? '加载中…' : inbox.wechat.available ? '还没有微信消息' : '未连接本地模拟微信服务，无法读取微信消息'}
            </Text>
          )}
          {wechat.map((message, i) => {
            const kind = typeof message.kind === 'string' ? message.kind : ''
            const fields = wechatFields(message)
            const pagePath = wechatPagePath(message)
            const target = wechatTarget(message)
            return (
              <View
                className='dev-message wechat-message'
                key={`${message.at ?? ''}-${i}`}
                data-channel={kind}
                data-page-path={pagePath ?? ''}
                data-template-id={typeof message.template_id === 'string' ? message.template_id : ''}
              >
                <View className='dev-message__head'>
                  <Text className='dev-message__to'>{CHANNEL_LABELS[kind] ?? wechatTitle(message)}</Text>
                  <Text className='dev-message__time'>{message.at ? formatChinaDateTime(message.at) : ''}</Text>
                </View>
                {target && <Text className='dev-message__recipient'>收件人 {maskRecipient(target)}</Text>}
                {fields.length > 0 ? (
                  <View className='dev-fields'>
                    {fields.map(([key, value]) => (
                      <View className='dev-fields__row' key={key}>
                        <Text className='dev-fields__key'>{key}</Text>
                        <Text className='dev-fields__value' selectable userSelect>
                          {value}
                        </Text>
                      </View>
                    ))}
                  </View>
                ) : (
                  <Text className='dev-message__text dev-message__text--pre' selectable userSelect>
                    {describeWechat(message)}
                  </Text>
                )}
                {Array.isArray(message.violations) && message.violations.length > 0 && (
                  <Text className='dev-message__warn'>{(message.violations as unknown[]).map(String).join('；')}</Text>
                )}
                {pagePath && (
                  <View className='dev-message__link-row'>
                    <Text className='dev-message__path'>{pagePath}</Text>
                    <View className='dev-message__open btn-open-wechat' data-testid='open-wechat' onClick={() => openNotification(pagePath)}>
                      <Text>打开</Text>
                    </View>
                  </View>
                )}
              </View>
            )
          })}
        </View>
      )}
    </View>
  )
}
