import { useCallback, useRef, useState } from 'react'
import { Text, View } from '@tarojs/components'
import Taro, { useDidShow, usePullDownRefresh } from '@tarojs/taro'
import { fetchServiceHealth, type ServiceHealth } from '../../services/health'
import { refreshAccount } from '../../services/session'
import AccountEntry from './AccountEntry'
import ServiceStatusCard from './ServiceStatusCard'
import { AUTH_STEPS } from './steps'
import './index.scss'

export default function Index() {
  const [health, setHealth] = useState<ServiceHealth>()
  const [checking, setChecking] = useState(false)
  const [checkedAt, setCheckedAt] = useState<Date>()
  const inFlight = useRef<Promise<void> | undefined>(undefined)

  /** One health check at a time; overlapping triggers share the running one. */
  const check = useCallback((): Promise<void> => {
    if (inFlight.current) return inFlight.current
    setChecking(true)
    const run = fetchServiceHealth()
      .then((result) => {
        setHealth(result)
        setCheckedAt(new Date())
      })
      .finally(() => {
        setChecking(false)
        inFlight.current = undefined
      })
    inFlight.current = run
    return run
  }, [])

  useDidShow(() => {
    void check()
    void refreshAccount().catch(() => undefined)
  })

  usePullDownRefresh(() => {
    void check().finally(() => Taro.stopPullDownRefresh())
  })

  return (
    <View className='index'>
      <View className='hero'>
        <Text className='hero__eyebrow'>中小学教育卡（电子卡）</Text>
        <Text className='hero__title'>教育卡 · 学生身份信息认证</Text>
        <Text className='hero__desc'>家长或学生在微信中完成学生身份认证，领取电子教育卡。</Text>
      </View>

      <AccountEntry />

      <View className='card steps' data-testid='auth-steps'>
        <View className='card__header'>
          <Text className='card__title'>认证流程</Text>
          <Text className='card__extra'>共 {AUTH_STEPS.length} 步</Text>
        </View>
        {AUTH_STEPS.map((step, i) => (
          <View className='steps__item' key={step.title}>
            <View className='steps__marker'>
              <View className='steps__number'>
                <Text>{i + 1}</Text>
              </View>
              {i < AUTH_STEPS.length - 1 && <View className='steps__line' />}
            </View>
            <View className='steps__body'>
              <Text className='steps__title'>{step.title}</Text>
              <Text className='steps__desc'>{step.description}</Text>
            </View>
          </View>
        ))}
      </View>

      <ServiceStatusCard
        health={health}
        checking={checking}
        checkedAt={checkedAt}
        onRecheck={() => void check()}
      />

      <View className='footer'>
        <Text>下拉页面可刷新服务状态</Text>
      </View>
    </View>
  )
}
