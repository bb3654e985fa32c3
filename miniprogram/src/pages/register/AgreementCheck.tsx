import { Text, View } from '@tarojs/components'
import { Checkbox } from '@nutui/nutui-react-taro'
import '@nutui/nutui-react-taro/dist/es/packages/checkbox/style/css'
import { PAGES, openPage } from '../../services/navigation'

interface Props {
  checked: boolean
  onChange: (checked: boolean) => void
  error?: string
}

/** 我已阅读并同意《隐私政策》和《儿童个人信息保护规则》, with both texts one tap away. */
export default function AgreementCheck({ checked, onChange, error }: Props) {
  return (
    <View className={`agreement${error ? ' agreement--error' : ''}`} data-testid='agreement'>
      <View className='agreement__row'>
        <Checkbox className='agreement__checkbox' checked={checked} onChange={(state) => onChange(state)} />
        <View className='agreement__text'>
          <Text onClick={() => onChange(!checked)}>我已阅读并同意</Text>
          <Text className='link link-privacy-policy' onClick={() => void openPage(PAGES.privacyPolicy)}>
            《隐私政策》
          </Text>
          <Text onClick={() => onChange(!checked)}>和</Text>
          <Text className='link link-children-rules' onClick={() => void openPage(PAGES.childrenRules)}>
            《儿童个人信息保护规则》
          </Text>
        </View>
      </View>
      {error && <Text className='agreement__error error-agreement'>{error}</Text>}
    </View>
  )
}
