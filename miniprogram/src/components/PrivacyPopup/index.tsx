import { useEffect, useRef, useState } from 'react'
import { Button as NativeButton, Text, View } from '@tarojs/components'
import Taro, { useDidShow } from '@tarojs/taro'
import { activatePrivacyListener, answerPrivacy, type PrivacyAnswer } from '../../services/privacy'
import './index.scss'

const AGREE_BUTTON_ID = 'privacy-agree'

/**
 * The app's own privacy prompt (weapp only; renders nothing in H5). Placed on
 * every page that uses a protected API; WeChat asks through it before the first
 * such call goes on. 同意 is a button of open-type agreePrivacyAuthorization, as
 * the platform requires; 拒绝 lets the call fail, and the next try asks again.
 */
export default function PrivacyPopup() {
  if (process.env.TARO_ENV !== 'weapp') return null
  return <WeappPrivacyPopup />
}

function WeappPrivacyPopup() {
  const [answer, setAnswer] = useState<PrivacyAnswer>()
  const release = useRef<() => void>()
  const listen = () => {
    release.current?.()
    release.current = activatePrivacyListener((next) => setAnswer(() => next))
  }
  useEffect(() => {
    listen()
    return () => release.current?.()
  }, [])
  useDidShow(listen)

  if (!answer) return null
  return (
    <View className='privacy-popup' data-testid='privacy-popup'>
      <View className='privacy-popup__mask' />
      <View className='privacy-popup__panel'>
        <Text className='privacy-popup__title'>用户隐私保护提示</Text>
        <Text className='privacy-popup__text'>
          在使用微信手机号、剪贴板、扫码等功能前，请阅读并同意
          <Text className='privacy-popup__link' onClick={() => void Taro.openPrivacyContract({})}>
            《教育卡隐私保护指引》
          </Text>
          。同意后才能继续；拒绝不影响其他功能。
        </Text>
        <View className='privacy-popup__actions'>
          <NativeButton className='privacy-popup__button privacy-popup__button--decline' onClick={() => answerPrivacy({ event: 'disagree' })}>
            拒绝
          </NativeButton>
          <NativeButton
            id={AGREE_BUTTON_ID}
            className='privacy-popup__button privacy-popup__button--agree'
            openType='agreePrivacyAuthorization'
            onAgreePrivacyAuthorization={() => answerPrivacy({ event: 'agree', buttonId: AGREE_BUTTON_ID })}
          >
            同意
          </NativeButton>
        </View>
      </View>
    </View>
  )
}
