import { useState } from 'react'
import { Text, Textarea, View } from '@tarojs/components'
import Taro, { useDidShow } from '@tarojs/taro'
import type { EcardVerifyResponse, EcardVerifyResult } from '../../../../domain/api/ecard'
import FormNotice from '../../components/FormNotice'
import PageHeader from '../../components/PageHeader'
import SubmitButton from '../../components/SubmitButton'
import { toAppError } from '../../hooks/useFormErrors'
import { useSubmit } from '../../hooks/useSubmit'
import { VERIFIER_ROLES, formatCardNumber, verifyEcardToken } from '../../services/ecard'
import { PAGES, openLogin } from '../../services/navigation'
import { refreshAccount, useSession } from '../../services/session'
import { formatChinaDateTime } from '../../utils/format'
import PrivacyPopup from '../../components/PrivacyPopup'
import './index.scss'

const isWeapp = process.env.TARO_ENV === 'weapp'

const RESULT_TITLES: Record<EcardVerifyResult, string> = {
  valid: '有效',
  expired: '已过期',
  revoked: '已撤销',
  invalid: '无效',
}

const RESULT_MARKS: Record<EcardVerifyResult, string> = {
  valid: '✓',
  expired: '!',
  revoked: '×',
  invalid: '×',
}

function ResultCard({ result }: { result: EcardVerifyResponse }) {
  const rows: Array<[key: string, label: string, value: string | null]> = [
    ['name', '姓名', result.maskedName],
    ['school', '学校', result.school],
    ['class', '年级班级', [result.grade, result.class].filter(Boolean).join(' ') || null],
    ['card', '卡号', result.cardNumber ? formatCardNumber(result.cardNumber) : null],
    ['expires', '二维码有效至', result.expiresAt ? formatChinaDateTime(result.expiresAt) : null],
  ]
  const shown = rows.filter((row) => row[2])
  return (
    <View className={`verify-result verify-result--${result.result}`} data-testid='verify-result' data-result={result.result}>
      <View className='verify-result__head'>
        <View className='verify-result__mark'>
          <Text>{RESULT_MARKS[result.result]}</Text>
        </View>
        <View className='verify-result__head-text'>
          <Text className='verify-result__title' data-testid='verify-result-title'>
            {RESULT_TITLES[result.result]}
          </Text>
          <Text className='verify-result__reason' data-testid='verify-result-reason'>
            {result.reason}
          </Text>
        </View>
      </View>
      {result.result === 'valid' && result.scope === 'state_only' && (
        <Text className='verify-result__scope' data-testid='verify-scope'>
          非本校学生的电子教育卡：仅显示核验结果，不显示学生信息。
        </Text>
      )}
      {shown.length > 0 && (
        <View className='verify-result__rows'>
          {shown.map(([key, label, value]) => (
            <View key={key} className={`verify-result__row verify-${key}`}>
              <Text className='verify-result__label'>{label}</Text>
              <Text className='verify-result__value' data-testid={`verify-${key}`}>
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
 * 卡片验证 (teachers, school administrators, operators): scan (weapp) or paste
 * the QR text of an electronic card; the server answers 有效 / 已过期 / 已撤销 /
 * 无效 with the reason and the masked holder.
 */
export default function VerifyPage() {
  const session = useSession()
  const [token, setToken] = useState('')
  const [result, setResult] = useState<EcardVerifyResponse>()
  const [notice, setNotice] = useState<string>()

  useDidShow(() => {
    void refreshAccount().catch(() => undefined)
  })

  const [verifying, verify] = useSubmit(async (text: string) => {
    const value = text.trim()
    if (!value) {
      setNotice('请粘贴或扫描电子教育卡二维码')
      return
    }
    setNotice(undefined)
    try {
      setResult(await verifyEcardToken(value))
    } catch (err) {
      setResult(undefined)
      setNotice(toAppError(err).message)
    }
  })

  const scan = async () => {
    try {
      const scanned = await Taro.scanCode({ onlyFromCamera: true, scanType: ['qrCode'] })
      setToken(scanned.result)
      verify(scanned.result)
    } catch {
      // cancelled
    }
  }

  const account = session.account
  if (!session.signedIn) {
    return (
      <View className='page verify-page'>
        <PageHeader title='卡片验证' desc='教师、学校管理员和教育卡管理中心人员登录后可核验学生的电子教育卡。' />
        <SubmitButton name='verify-login' loading={false} onClick={() => void openLogin({ redirect: PAGES.verify })}>
          登录
        </SubmitButton>
      </View>
    )
  }
  if (account && !VERIFIER_ROLES.has(account.role)) {
    return (
      <View className='page verify-page'>
        <PageHeader title='卡片验证' />
        <FormNotice message='卡片验证仅限教师、学校管理员和教育卡管理中心人员使用。' testId='verify-forbidden' />
      </View>
    )
  }

  return (
    <View className='page verify-page'>
      <PrivacyPopup />
      <PageHeader title='卡片验证' desc='扫描或粘贴学生出示的电子教育卡二维码，核验卡片是否有效。' />

      {isWeapp && (
        <View className='verify-scan btn-verify-scan' data-testid='verify-scan' onClick={() => void scan()}>
          <View className='verify-scan__icon'>
            <View className='verify-scan__corner verify-scan__corner--tl' />
            <View className='verify-scan__corner verify-scan__corner--tr' />
            <View className='verify-scan__corner verify-scan__corner--bl' />
            <View className='verify-scan__corner verify-scan__corner--br' />
          </View>
          <Text className='verify-scan__label'>扫码验证</Text>
          <Text className='verify-scan__desc'>对准学生出示的二维码</Text>
        </View>
      )}

      <View className='form-card verify-input'>
        <Text className='form-card__title'>{isWeapp ? '或粘贴二维码内容' : '粘贴二维码内容'}</Text>
        <Textarea
          className='verify-input__textarea input-token'
          value={token}
          placeholder='EC2.开头的二维码文本'
          maxlength={512}
          autoHeight={false}
          onInput={(e) => {
            setToken(e.detail.value)
            if (notice) setNotice(undefined)
          }}
        />
        {token !== '' && (
          <Text className='verify-input__clear link' onClick={() => { setToken(''); setResult(undefined) }}>
            清空
          </Text>
        )}
      </View>

      <FormNotice message={notice} testId='verify-notice' />
      <SubmitButton name='verify' loading={verifying} onClick={() => verify(token)}>
        验证
      </SubmitButton>

      {result && <ResultCard result={result} />}

      <Text className='tips'>每次验证都会记录验证人和时间。电子卡二维码会定时更新，请学生现场出示实时二维码，截图很快失效。</Text>
    </View>
  )
}
