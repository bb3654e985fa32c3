import type { ReactNode } from 'react'
import { Text, View } from '@tarojs/components'
import { Input } from '@nutui/nutui-react-taro'
import '@nutui/nutui-react-taro/dist/es/packages/input/style/css'
import { toHalfWidth } from '../../../../domain/text/normalize'

export type FieldType = 'text' | 'password' | 'number' | 'idcard' | 'digit'

/** Fields of digits (ID numbers, phones, codes): what a Chinese input method types full-width becomes ASCII as typed. */
const DIGIT_TYPES: ReadonlySet<FieldType> = new Set(['number', 'idcard', 'digit'])

/**
 * In a browser an <input type="number"> answers '' for full-width digits (０１３…),
 * so they would vanish and the field read as empty: H5 takes them as text and
 * converts them; the WeChat number keyboard types ASCII digits anyway.
 */
function inputType(type: FieldType): FieldType {
  return process.env.TARO_ENV === 'h5' && (type === 'number' || type === 'digit') ? 'text' : type
}

export interface FieldProps {
  /** The form field name: classes `field-<name>` / `input-<name>` and data-testid for tests. */
  name: string
  label: string
  value: string
  onChange: (value: string) => void
  type?: FieldType
  placeholder?: string
  maxLength?: number
  disabled?: boolean
  /** The field's error message (shown under it, in red). */
  error?: string
  /** Shown under the field when there is no error. */
  hint?: ReactNode
  /** Right side of the row: a 获取验证码 button, a captcha image… */
  extra?: ReactNode
  /** Extra content below the row (e.g. a password checklist). */
  children?: ReactNode
}

/**
 * One row of a form card, WeChat style: label on the left, a NutUI Input filling
 * the row, an optional action on the right, the error message under the row.
 */
export default function Field({
  name,
  label,
  value,
  onChange,
  type = 'text',
  placeholder,
  maxLength,
  disabled,
  error,
  hint,
  extra,
  children,
}: FieldProps) {
  return (
    <View className={`field field-${name}${error ? ' field--error' : ''}`} data-testid={`field-${name}`}>
      <View className='field__row'>
        <Text className='field__label'>{label}</Text>
        <Input
          className={`field__input input-${name}`}
          name={name}
          type={inputType(type)}
          value={value}
          placeholder={placeholder}
          maxLength={maxLength}
          disabled={disabled}
          onChange={DIGIT_TYPES.has(type) ? (v: string) => onChange(toHalfWidth(v)) : onChange}
          clearable={false}
        />
        {extra && <View className='field__extra'>{extra}</View>}
      </View>
      {error ? (
        <Text className={`field__error error-${name}`} data-testid={`error-${name}`}>
          {error}
        </Text>
      ) : hint ? (
        <View className='field__hint'>{hint}</View>
      ) : null}
      {children}
    </View>
  )
}
