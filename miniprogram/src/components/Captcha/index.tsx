import { Image, Text, View } from '@tarojs/components'

interface Props {
  /** PNG data URL from GET /api/auth/captcha */
  image: string | undefined
  loading: boolean
  onRefresh: () => void
}

/** The captcha picture beside its input; tap to get another one. */
export default function CaptchaImage({ image, loading, onRefresh }: Props) {
  return (
    <View className='captcha-image' data-testid='captcha-image' onClick={onRefresh}>
      {image ? (
        <Image className='captcha-image__img' src={image} mode='aspectFit' />
      ) : (
        <Text className='captcha-image__placeholder'>{loading ? '加载中…' : '点击获取'}</Text>
      )}
    </View>
  )
}
