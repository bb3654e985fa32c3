import { useState } from 'react'
import { Text, Textarea, View } from '@tarojs/components'
import { RETURN_REASON_PRESETS, ReturnReviewRequestSchema, type ReturnReviewRequest } from '../../../../domain/api/reviews'
import { MAX_RETURN_REASON_LENGTH } from '../../../../domain/review/state-machine'
import SubmitButton from '../../components/SubmitButton'
import { useFormErrors } from '../../hooks/useFormErrors'
import { useSubmit } from '../../hooks/useSubmit'
import { checkForm } from '../../services/auth'

interface Props {
  open: boolean
  /** Sends the decision; throws the API error (shown here). */
  onSubmit: (body: ReturnReviewRequest) => Promise<void>
  onClose: () => void
}

/**
 * 退回 dialog: a preset reason (姓名与学籍不一致 / 身份证号有误 / 年级或班级填写错误 /
 * 借读生请补充说明 / 其他) plus free text; 其他 needs the text. Checked with the
 * contract's ReturnReviewRequestSchema before sending.
 */
export default function ReturnDialog({ open, onSubmit, onClose }: Props) {
  const [preset, setPreset] = useState<string>('')
  const [text, setText] = useState('')
  const { errors, notice, show, clear } = useFormErrors(['reasonPreset', 'reasonText'], { toast: true })

  const [sending, send] = useSubmit(async () => {
    clear()
    try {
      const body = checkForm(ReturnReviewRequestSchema, { reasonPreset: preset || undefined, ...(text.trim() ? { reasonText: text } : {}) })
      await onSubmit(body)
    } catch (err) {
      show(err)
    }
  })

  if (!open) return null
  return (
    <View className='return-dialog' data-testid='return-dialog'>
      <View className='return-dialog__mask' onClick={sending ? undefined : onClose} />
      <View className='return-dialog__panel'>
        <View className='return-dialog__head'>
          <Text className='return-dialog__title'>退回原因</Text>
          <Text className='return-dialog__close btn-close-return' onClick={sending ? undefined : onClose}>
            ✕
          </Text>
        </View>
        <Text className='return-dialog__desc'>家长将在审核进度中看到退回原因，请写明需要修改的内容。</Text>
        <View className='return-presets'>
          {RETURN_REASON_PRESETS.map((p, i) => (
            <View
              key={p}
              className={`return-presets__item preset-${i}${p === preset ? ' return-presets__item--active' : ''}`}
              data-testid={`preset-${i}`}
              data-preset={p}
              onClick={() => {
                setPreset(p)
                clear('reasonPreset')
              }}
            >
              <View className='return-presets__radio' />
              <Text className='return-presets__label'>{p}</Text>
            </View>
          ))}
        </View>
        {errors.reasonPreset && <Text className='return-dialog__error error-reasonPreset'>{errors.reasonPreset}</Text>}
        <Textarea
          className='return-dialog__text input-reasonText'
          value={text}
          maxlength={MAX_RETURN_REASON_LENGTH}
          placeholder={preset === '其他' ? '请填写退回原因（必填）' : '补充说明（选填），如：学籍库中为三年级2班'}
          onInput={(e) => {
            setText(e.detail.value)
            clear('reasonText')
          }}
        />
        {errors.reasonText && <Text className='return-dialog__error error-reasonText'>{errors.reasonText}</Text>}
        {notice && !errors.reasonPreset && !errors.reasonText && <Text className='return-dialog__error'>{notice}</Text>}
        <SubmitButton name='confirm-return' loading={sending} onClick={send}>
          确认退回
        </SubmitButton>
      </View>
    </View>
  )
}
