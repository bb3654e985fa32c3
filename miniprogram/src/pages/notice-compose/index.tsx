import { useEffect, useState } from 'react'
import { Picker, Text, Textarea, View } from '@tarojs/components'
import Taro from '@tarojs/taro'
import { Switch } from '@nutui/nutui-react-taro'
import '@nutui/nutui-react-taro/dist/es/packages/switch/style/css'
import {
  MAX_NOTICE_BODY_LENGTH,
  MAX_NOTICE_TITLE_LENGTH,
  NOTICE_TYPES,
  type NoticeType,
} from '../../../../domain/api/notices'
import { codePointLength } from '../../../../domain/text/normalize'
import { addDays, chinaDate, formatCalendarDate as isoDate } from '../../../../domain/time/calendar-date'
import Field from '../../components/Field'
import FormNotice from '../../components/FormNotice'
import PageHeader from '../../components/PageHeader'
import PageState from '../../components/PageState'
import SubmitButton from '../../components/SubmitButton'
import { toAppError, useFormErrors } from '../../hooks/useFormErrors'
import { useRequireSignIn } from '../../hooks/useRequireSignIn'
import { useSubmit } from '../../hooks/useSubmit'
import { PAGES, replacePage, withQuery } from '../../services/navigation'
import { listPublishableClasses, publishNotice } from '../../services/notices'
import { dueText } from '../notices/parts'
import './index.scss'

const FIELDS = ['type', 'title', 'body', 'dueDate', 'requiresConfirmation', 'classIds'] as const

interface ClassOption {
  id: string
  label: string
}

/** Quick due dates for homework (China calendar). */
function quickDates(): Array<{ key: string; label: string; value: string }> {
  const today = chinaDate()
  return [
    { key: 'tomorrow', label: '明天', value: isoDate(addDays(today, 1)) },
    { key: 'in-2-days', label: '后天', value: isoDate(addDays(today, 2)) },
    { key: 'in-a-week', label: '一周后', value: isoDate(addDays(today, 7)) },
  ]
}

/**
 * 发布通知 (teacher / school administrator): type 通知 or 作业, title (≤ 40) and
 * body (≤ 2,000) with counters, a due date for homework, 家长需确认, and one or
 * more of the classes GET /api/notices/classes offers. Checked with the
 * shared CreateNoticeRequestSchema before sending; the server's field errors
 * land on the same fields. Published → 通知回执 of the new notice.
 */
export default function NoticeComposePage() {
  const signedIn = useRequireSignIn()
  const [classes, setClasses] = useState<ClassOption[]>()
  const [loadError, setLoadError] = useState<string>()
  const [type, setType] = useState<NoticeType>('通知')
  const [title, setTitle] = useState('')
  const [body, setBody] = useState('')
  const [dueDate, setDueDate] = useState('')
  const [requiresConfirmation, setRequiresConfirmation] = useState(false)
  const [classIds, setClassIds] = useState<string[]>([])
  const { errors, notice, show, clear } = useFormErrors(FIELDS)

  const loadClasses = async () => {
    if (!signedIn) return
    try {
      const result = await listPublishableClasses()
      const options = result.classes.map((c) => ({ id: c.id, label: `${c.gradeLabel}${c.name}` }))
      setClasses(options)
      // One class: chosen already.
      if (options.length === 1) setClassIds([options[0]!.id])
      setLoadError(undefined)
    } catch (err) {
      setLoadError(toAppError(err).message)
    }
  }

  useEffect(() => {
    void loadClasses()
  }, [])

  const toggleClass = (id: string) => {
    clear('classIds')
    setClassIds((prev) => (prev.includes(id) ? prev.filter((c) => c !== id) : [...prev, id]))
  }

  const [publishing, publish] = useSubmit(async () => {
    clear()
    try {
      const created = await publishNotice(
        {
          type,
          title,
          body,
          classIds,
          dueDate: type === '作业' && dueDate ? dueDate : null,
          requiresConfirmation,
        },
        async (checked) => {
          const names = classes?.filter((c) => checked.classIds.includes(c.id)).map((c) => c.label) ?? []
          const { confirm } = await Taro.showModal({
            title: '确认发布',
            content: `将向${names.length > 3 ? `${names.slice(0, 3).join('、')}等 ${names.length} 个班级` : names.join('、')}已认证学生的家长发布${checked.type}“${checked.title}”${checked.requiresConfirmation ? '，并请家长确认' : ''}。发布后家长会立即收到微信消息。`,
            confirmText: '发布',
          })
          return confirm
        },
      )
      if (!created) return
      void Taro.showToast({ title: '已发布', icon: 'success' })
      await replacePage(withQuery(PAGES.noticeReceipts, { id: created.id }))
    } catch (err) {
      show(err)
    }
  })

  if (!classes) {
    return (
      <View className='page notice-compose-page'>
        <PageState loading error={loadError} onRetry={() => void loadClasses()} />
      </View>
    )
  }

  const titleLength = codePointLength(title)
  const bodyLength = codePointLength(body)
  const today = isoDate(chinaDate())

  return (
    <View className='page notice-compose-page' data-testid='notice-compose'>
      <PageHeader title='发布通知' desc='发布后将通过微信推送给所选班级已认证学生的家长' />

      {classes.length === 0 ? (
        <FormNotice tone='info' testId='no-classes' message='您还没有任教或担任班主任的班级，暂不能发布通知。' />
      ) : null}

      <View className='form-card'>
        <Text className='form-card__title'>类型</Text>
        <View className='compose-segments' data-testid='field-type'>
          {NOTICE_TYPES.map((t) => (
            <View
              key={t}
              className={`compose-segments__item type-${t === '作业' ? 'homework' : 'notice'}${t === type ? ' compose-segments__item--active' : ''}`}
              data-testid={`type-${t === '作业' ? 'homework' : 'notice'}`}
              onClick={() => {
                setType(t)
                clear('type')
              }}
            >
              <Text>{t}</Text>
            </View>
          ))}
        </View>
        {errors.type && <Text className='field__error error-type'>{errors.type}</Text>}

        <Field
          name='title'
          label='标题'
          value={title}
          onChange={(v) => {
            setTitle(v)
            clear('title')
          }}
          placeholder={type === '作业' ? '如：语文第三单元练习' : '如：周五下午家长会'}
          maxLength={MAX_NOTICE_TITLE_LENGTH}
          error={errors.title}
          extra={
            <Text className={`compose-counter${titleLength > MAX_NOTICE_TITLE_LENGTH ? ' compose-counter--over' : ''}`} data-testid='title-counter'>
              {titleLength}/{MAX_NOTICE_TITLE_LENGTH}
            </Text>
          }
        />

        <View className={`compose-body field-body${errors.body ? ' field--error' : ''}`} data-testid='field-body'>
          <Textarea
            className='compose-body__input input-body'
            value={body}
            maxlength={MAX_NOTICE_BODY_LENGTH}
            placeholder='请输入通知内容（纯文本，可换行）'
            autoHeight
            onInput={(e) => {
              setBody(e.detail.value)
              clear('body')
            }}
          />
          <Text className={`compose-counter compose-body__counter${bodyLength > MAX_NOTICE_BODY_LENGTH ? ' compose-counter--over' : ''}`} data-testid='body-counter'>
            {bodyLength}/{MAX_NOTICE_BODY_LENGTH}
          </Text>
          {errors.body && (
            <Text className='field__error error-body' data-testid='error-body'>
              {errors.body}
            </Text>
          )}
        </View>
      </View>

      {type === '作业' && (
        <View className='form-card' data-testid='field-dueDate'>
          <Text className='form-card__title'>截止日期（选填）</Text>
          <View className='compose-dates'>
            {quickDates().map((d) => (
              <View
                key={d.key}
                className={`compose-chip due-${d.key}${dueDate === d.value ? ' compose-chip--active' : ''}`}
                data-testid={`due-${d.key}`}
                data-value={d.value}
                onClick={() => {
                  setDueDate(dueDate === d.value ? '' : d.value)
                  clear('dueDate')
                }}
              >
                <Text>{d.label}</Text>
              </View>
            ))}
            <Picker
              mode='date'
              value={dueDate || today}
              start={today}
              onChange={(e) => {
                setDueDate(String(e.detail.value))
                clear('dueDate')
              }}
            >
              <View className='compose-chip compose-chip--picker due-pick'>
                <Text>选择日期</Text>
              </View>
            </Picker>
          </View>
          <View className='compose-due-line'>
            <Text className='compose-due-value' data-testid='due-value'>
              {dueDate ? dueText(dueDate) : '未设置截止日期'}
            </Text>
            {dueDate && (
              <Text className='link due-clear' onClick={() => setDueDate('')}>
                清除
              </Text>
            )}
          </View>
          {errors.dueDate && <Text className='field__error error-dueDate'>{errors.dueDate}</Text>}
        </View>
      )}

      <View className='form-card'>
        <View className='compose-switch-row' data-testid='field-requiresConfirmation' data-checked={requiresConfirmation ? 'true' : 'false'}>
          <View className='compose-switch-row__text'>
            <Text className='compose-switch-row__label'>家长需确认</Text>
            <Text className='compose-switch-row__desc'>家长阅读后点击“确认已阅”，回执中可查看确认情况</Text>
          </View>
          <Switch
            className='switch-requiresConfirmation'
            checked={requiresConfirmation}
            onChange={(v) => setRequiresConfirmation(v)}
          />
        </View>
      </View>

      <View className='form-card' data-testid='field-classIds'>
        <Text className='form-card__title'>发布班级（可多选）</Text>
        <View className='compose-classes'>
          {classes.map((c) => {
            const on = classIds.includes(c.id)
            return (
              <View
                key={c.id}
                className={`compose-chip class-option${on ? ' compose-chip--active' : ''}`}
                data-testid='class-option'
                data-class-id={c.id}
                data-class-name={c.label}
                data-selected={on ? 'true' : 'false'}
                onClick={() => toggleClass(c.id)}
              >
                <Text>
                  {on ? '✓ ' : ''}
                  {c.label}
                </Text>
              </View>
            )
          })}
        </View>
        {errors.classIds && (
          <Text className='field__error error-classIds' data-testid='error-classIds'>
            {errors.classIds}
          </Text>
        )}
      </View>

      <FormNotice message={notice} />
      <SubmitButton name='publish-notice' loading={publishing} disabled={classes.length === 0} onClick={publish}>
        发布
      </SubmitButton>
    </View>
  )
}
