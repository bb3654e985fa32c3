import { Text, View } from '@tarojs/components'
import './index.scss'

interface Props {
  /** Classes `picker-<name>` and data-testid `picker-<name>` for tests; errors `error-<name>`. */
  name: string
  label: string
  /** What was chosen, as shown; undefined shows the placeholder. */
  value: string | undefined
  placeholder: string
  onOpen: () => void
  disabled?: boolean
  error?: string
  hint?: string
}

/**
 * A form row that opens a selection (a sheet or a search page) instead of a
 * text box: label, the chosen value or a grey placeholder, a chevron, and the
 * error under the row. Same layout as Field, so both mix in one card.
 */
export default function PickerField({ name, label, value, placeholder, onOpen, disabled, error, hint }: Props) {
  const testName = name.replace(/\./g, '-')
  return (
    <View
      className={`field picker-field picker-${testName}${error ? ' field--error' : ''}${disabled ? ' picker-field--disabled' : ''}`}
      data-testid={`picker-${testName}`}
      onClick={() => {
        if (!disabled) onOpen()
      }}
    >
      <View className='field__row'>
        <Text className='field__label'>{label}</Text>
        <Text className={`picker-field__value${value ? '' : ' picker-field__value--empty'}`}>{value || placeholder}</Text>
        <View className='picker-field__arrow' />
      </View>
      {error ? (
        <Text className={`field__error error-${testName}`} data-testid={`error-${testName}`}>
          {error}
        </Text>
      ) : hint ? (
        <View className='field__hint'>{hint}</View>
      ) : null}
    </View>
  )
}
