import { useEffect, useState } from 'react'
import { Text, View } from '@tarojs/components'
import Taro from '@tarojs/taro'
import { RecoveryCompleteRequestSchema, RecoveryRequestSchema } from '../../../../domain/api/auth'
import CaptchaImage from '../../components/Captcha'
import Field from '../../components/Field'
import FormFields from '../../components/FormFields'
import FormNotice from '../../components/FormNotice'
import NewPasswordFields, { newPasswordErrors } from '../../components/NewPasswordFields'
import PhoneCodeFields from '../../components/PhoneCodeFields'
import SubmitButton from '../../components/SubmitButton'
import { useCaptcha } from '../../hooks/useCaptcha'
import { useFormState, useFormSubmit } from '../../hooks/useForm'
import { checkForm, completeRecovery, fileRecoveryRequest } from '../../services/auth'
import { AppError, errorMessage, type FieldErrors } from '../../../../domain/errors'

/** The API calls the phone `newPhone`; the form shows it in its 手机号 row. */
function phoneFieldAsForm(err: unknown): unknown {
  if (!(err instanceof AppError) || !err.fields?.['body.newPhone']) return err
  const { 'body.newPhone': phone, ...rest } = err.fields
  return new AppError(err.code, { message: err.message, fields: { ...rest, 'body.phone': phone } })
}

const FIELDS = ['username', 'phone', 'smsCode', 'note', 'captchaAnswer', 'newPassword', 'confirmPassword'] as const
type Step = 'file' | 'complete'

/**
 * 人工找回 (the registered phone is lost): step 1 files a request with the
 * username, a new phone (SMS code) and a note; the head teacher or the school
 * checks it, and after the waiting period step 2 sets the new password (the
 * new phone becomes the account's). The old phone and WeChat are told at once.
 */
export default function ManualRecovery({ onDone }: { onDone: () => Promise<void> }) {
  const [step, setStep] = useState<Step>('file')
  const captcha = useCaptcha()
  const state = useFormState(
    { username: '', phone: '', smsCode: '', note: '', captchaAnswer: '', newPassword: '', confirmPassword: '' },
    FIELDS,
  )
  const { form, setForm, edit, errors, notice, show, clear } = state

  useEffect(() => {
    if (step === 'file') void captcha.refresh()
    // eslint-disable-next-line react-hooks/exhaustive-deps -- when the step is shown
  }, [step])

  const [filing, file] = useFormSubmit({ clear, show }, async () => {
    const extra: FieldErrors = form.captchaAnswer.trim() === '' ? { 'body.captchaAnswer': errorMessage('CAPTCHA_REQUIRED') } : {}
    const body = {
      username: form.username,
      newPhone: form.phone,
      smsCode: form.smsCode,
      note: form.note,
      captchaId: captcha.captchaId ?? '',
      captchaAnswer: form.captchaAnswer,
    }
    checkForm(RecoveryRequestSchema, body, extra)
    let waitHours = 0
    try {
      waitHours = (await fileRecoveryRequest(body)).waitHours
    } finally {
      setForm((f) => ({ ...f, captchaAnswer: '' }))
      void captcha.refresh()
    }
    await Taro.showModal({
      title: '申请已提交',
      content: `班主任或学校核实后，还需等待 ${waitHours} 小时才能生效。届时请回到本页“完成找回”。原手机号和微信会收到提醒，账号本人登录即可取消申请。`,
      showCancel: false,
      confirmText: '知道了',
      confirmColor: '#07c160',
    })
    setForm((f) => ({ ...f, smsCode: '' }))
    setStep('complete')
  }, { mapError: phoneFieldAsForm })

  const [completing, complete] = useFormSubmit({ clear, show }, async () => {
    const extra = newPasswordErrors('newPassword', form, { username: form.username, phone: form.phone })
    const body = { username: form.username, newPhone: form.phone, smsCode: form.smsCode, newPassword: form.newPassword }
    checkForm(RecoveryCompleteRequestSchema, body, extra)
    await completeRecovery(body)
    await onDone()
  }, { mapError: phoneFieldAsForm })

  return (
    <View className='manual-recovery'>
      <View className='way-tabs way-tabs--small'>
        <View className={`way-tabs__item tab-recovery-file${step === 'file' ? ' way-tabs__item--active' : ''}`} onClick={() => setStep('file')}>
          <Text>提交申请</Text>
        </View>
        <View className={`way-tabs__item tab-recovery-complete${step === 'complete' ? ' way-tabs__item--active' : ''}`} onClick={() => setStep('complete')}>
          <Text>完成找回</Text>
        </View>
      </View>
      <FormNotice message={notice} />
      <View className='form-card'>
        <Field name='username' label='用户名' placeholder='要找回的账号的用户名' maxLength={20} value={form.username} onChange={edit('username')} error={errors.username} />
        <PhoneCodeFields
          state={state}
          purpose='recovery'
          phonePlaceholder='新的手机号（将绑定到账号）'
        />
        {step === 'file' && (
          <>
            <FormFields
              state={state}
              fields={[
                { name: 'note', label: '情况说明', placeholder: '您是谁、孩子的班级、原手机号为何无法使用', maxLength: 200 },
                {
                  name: 'captchaAnswer',
                  label: '图形码',
                  placeholder: '图中字符',
                  maxLength: 16,
                  extra: <CaptchaImage image={captcha.image} loading={captcha.loading} onRefresh={() => void captcha.refresh()} />,
                },
              ]}
            />
          </>
        )}
      </View>
      {step === 'complete' && (
        <View className='form-card'>
          <NewPasswordFields name='newPassword' state={state} context={{ username: form.username, phone: form.phone }} />
        </View>
      )}
      {step === 'file' ? (
        <SubmitButton name='recovery-file' loading={filing} onClick={file}>
          提交人工找回申请
        </SubmitButton>
      ) : (
        <SubmitButton name='recovery-complete' loading={completing} onClick={complete}>
          完成找回并设置新密码
        </SubmitButton>
      )}
      <Text className='tips'>
        仅在原手机号无法使用时申请。申请由孩子的班主任或学校核实（可能电话联系您），核实后需等待一段时间才生效，以便账号本人发现并取消。
      </Text>
    </View>
  )
}
