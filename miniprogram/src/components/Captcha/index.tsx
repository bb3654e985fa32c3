import { Image, Text, View } from '@tarojs/components'
import { svgDataUri } from '../../utils/svg-data-uri'

interface Props {
  svg: string | undefined
  loading: boolean
  onRefresh: () => void
}

/** The captcha picture beside its input; tap to get another one. */
export default function CaptchaImage({ svg, loading, onRefresh }: Props) {
  return (
    <View className='captcha-image' data-testid='captcha-image' onClick={onRefresh}>
      {svg ? (
        <Image className='captcha-image__img' src={svgDataUri(svg)} mode='aspectFit' />
      ) : (
        <Text className='captcha-image__placeholder'>{loading ? '加载中…' : '点击获取'}</Text>
      )}
    </View>
  )
}
