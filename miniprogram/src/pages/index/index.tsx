import { useCallback, useRef, useState } from 'react'
import { Text, View } from '@tarojs/components'
import Taro, { useDidShow, usePullDownRefresh } from '@tarojs/taro'
import type { StudentSummary } from '../../../../domain/api/profiles'
import { fetchServiceHealth, type ServiceHealth } from '../../services/health'
import { listStudents } from '../../services/profiles'
import { refreshAccount, useSession } from '../../services/session'
import AccountEntry from './AccountEntry'
import ServiceStatusCard from './ServiceStatusCard'
import { AUTH_STEPS, familyProgress } from './steps'
import './index.scss'

const FAMILY_ROLES: ReadonlySet<string> = new Set(['parent', 'student'])

/** What a parent needs to know of the service: only that something is wrong, in plain words. */
function ServiceNotice({ health }: { health: ServiceHealth | undefined }) {
  if (!health || health.kind === 'ok') return null
  const text = health.kind === 'degraded' ? '部分功能暂时无法使用，请稍后再试' : '暂时无法连接服务器，请检查网络后下拉刷新'
  return (
    <View className='service-notice' data-testid='service-notice'>
      <Text>{text}</Text>
    </View>
  )
}

/**
 * 首页: what the service is, 注册 / 登录 or the way in, the four steps — with
 * the family's own progress once signed in — and, for the operator only, the
 * service's technical status (database, Redis, version). Parents see only a
 * plain notice when something is wrong.
 */
export default function Index() {
  const session = useSession()
  const role = session.account?.role
  const family = role !== undefined && FAMILY_ROLES.has(role)
  const [students, setStudents] = useState<StudentSummary[]>()
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
    void refreshAccount()
      .then((account) => {
        if (account && FAMILY_ROLES.has(account.role)) {
          return listStudents().then((list) => setStudents(list.items))
        }
        setStudents(undefined)
        return undefined
      })
      .catch(() => undefined)
  })
  const progress = familyProgress(family ? (students ?? []) : undefined)

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
        {family && progress.note && (
          <Text className='steps__progress' data-testid='family-progress'>
            {progress.note}
          </Text>
        )}
        {AUTH_STEPS.map((step, i) => (
          <View className={`steps__item steps__item--${progress.states[i]}`} key={step.title} data-testid='auth-step' data-state={progress.states[i]}>
            <View className='steps__marker'>
              <View className='steps__number'>
                <Text>{progress.states[i] === 'done' ? '✓' : progress.states[i] === 'failed' ? '!' : i + 1}</Text>
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

      {role === 'operator' ? (
        <ServiceStatusCard health={health} checking={checking} checkedAt={checkedAt} onRecheck={() => void check()} />
      ) : (
        <ServiceNotice health={health} />
      )}

      <View className='footer'>
        <Text>下拉页面可刷新</Text>
      </View>
    </View>
  )
}
