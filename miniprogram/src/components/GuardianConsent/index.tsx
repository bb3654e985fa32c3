import { Text, View } from '@tarojs/components'
import { Checkbox } from '@nutui/nutui-react-taro'
import '@nutui/nutui-react-taro/dist/es/packages/checkbox/style/css'
import { PAGES, openPage } from '../../services/navigation'
import './index.scss'

interface Props {
  checked: boolean
  onChange: (checked: boolean) => void
  /** The consenting (first) guardian's name, when typed. */
  guardianName?: string
  error?: string
  disabled?: boolean
}

/**
 * The guardian's consent for a student under 14 (PIPL art. 31), with the
 * children's rules one tap away. The form sends it as `consent` with the
 * rules' version; the server records it with the submission.
 */
export default function GuardianConsent({ checked, onChange, guardianName, error, disabled }: Props) {
  const toggle = () => {
    if (!disabled) onChange(!checked)
  }
  return (
    <View className={`guardian-consent${error ? ' guardian-consent--error' : ''}`} data-testid='consent'>
      <View className='guardian-consent__row'>
        <Checkbox className='guardian-consent__checkbox checkbox-consent' checked={checked} disabled={disabled} onChange={onChange} />
        <View className='guardian-consent__text'>
          <Text onClick={toggle}>
            学生未满 14 周岁。我是学生的第一监护人{guardianName ? `（${guardianName}）` : ''}，已阅读并同意
          </Text>
          <Text className='link link-children-rules' onClick={() => void openPage(PAGES.childrenRules)}>
            《儿童个人信息保护规则》
          </Text>
          <Text onClick={toggle}>，同意为办理学生身份认证处理孩子的个人信息。</Text>
        </View>
      </View>
      {error ? (
        <Text className='guardian-consent__error error-consent' data-testid='error-consent'>
          {error}
        </Text>
      ) : null}
    </View>
  )
}
