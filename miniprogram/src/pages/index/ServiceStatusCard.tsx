import { Text, View } from '@tarojs/components'
import { Button, Cell, CellGroup, Tag } from '@nutui/nutui-react-taro'
import '@nutui/nutui-react-taro/dist/es/packages/button/style/css'
import '@nutui/nutui-react-taro/dist/es/packages/cell/style/css'
import '@nutui/nutui-react-taro/dist/es/packages/cellgroup/style/css'
import '@nutui/nutui-react-taro/dist/es/packages/tag/style/css'
import type { HealthResponse } from '../../../../domain/api/health'
import type { ServiceHealth } from '../../services/health'
import { formatChinaDateTime } from '../../utils/format'

type DependencyCheck = HealthResponse['checks']['database']

interface Props {
  /** The last result; undefined before the first check has finished. */
  health: ServiceHealth | undefined
  checking: boolean
  checkedAt: Date | undefined
  onRecheck: () => void
}

/** Badge colours (WeChat green / red), passed to NutUI's Tag as inline styles. */
const colors = {
  ok: '#06ad56',
  okBg: '#e7f8ee',
  down: '#fa5151',
  downBg: '#fdecec',
  unknown: 'rgba(0, 0, 0, 0.55)',
  unknownBg: '#f5f5f5',
} as const

type Tone = 'ok' | 'warn' | 'error' | 'pending'

function summaryOf(health: ServiceHealth | undefined): { tone: Tone; text: string; detail: string } {
  if (!health) return { tone: 'pending', text: '正在检测…', detail: '正在连接服务器' }
  switch (health.kind) {
    case 'ok':
      return { tone: 'ok', text: '运行正常', detail: '所有服务均可正常使用' }
    case 'degraded':
      return { tone: 'warn', text: '部分服务异常', detail: '部分功能可能暂时无法使用，请稍后再试' }
    case 'unreachable':
      return health.error.code === 'NETWORK'
        ? { tone: 'error', text: '无法连接服务器', detail: health.error.message }
        : { tone: 'error', text: '服务暂不可用', detail: health.error.message }
  }
}

/** 14:03:27 in Asia/Shanghai, whatever the device's time zone. */
function clock(d: Date): string {
  return formatChinaDateTime(d.toISOString()).slice(-8)
}

/**
 * One dependency as a NutUI Cell. A plain function, not a component: CellGroup only
 * recognises direct <Cell> children (to leave out the divider after the last one).
 */
function dependencyCell(name: string, check: DependencyCheck | undefined) {
  const latency = check && check.latencyMs !== null ? `${Math.round(check.latencyMs)} ms` : '—'
  const tag =
    check === undefined ? (
      <Tag className='service-status__tag' background={colors.unknownBg} color={colors.unknown}>未知</Tag>
    ) : check.ok ? (
      <Tag className='service-status__tag' background={colors.okBg} color={colors.ok}>正常</Tag>
    ) : (
      <Tag className='service-status__tag' background={colors.downBg} color={colors.down}>异常</Tag>
    )
  return (
    <Cell
      key={name}
      className='service-status__row'
      title={name}
      align='center'
      extra={
        <View className='service-status__result'>
          <Text className='service-status__latency'>{latency}</Text>
          {tag}
        </View>
      }
    />
  )
}

export default function ServiceStatusCard({ health, checking, checkedAt, onRecheck }: Props) {
  const summary = summaryOf(health)
  const checks = health && health.kind !== 'unreachable' ? health.health.checks : undefined
  const version = health && health.kind !== 'unreachable' ? health.health.version : undefined

  return (
    <View className='card service-status' data-testid='service-status'>
      <View className='card__header'>
        <Text className='card__title'>服务状态</Text>
        {checkedAt && (
          <Text className='card__extra'>
            {checking ? '检测中…' : `检测于 ${clock(checkedAt)}`}
          </Text>
        )}
      </View>

      <View className={`service-status__overview service-status__overview--${summary.tone}`}>
        <View className={`service-status__dot service-status__dot--${summary.tone}`} />
        <View className='service-status__overview-text'>
          <Text className='service-status__summary' data-testid='service-status-summary'>
            {summary.text}
          </Text>
          <Text className='service-status__detail'>{summary.detail}</Text>
        </View>
      </View>

      {health?.kind !== 'unreachable' && (
        <CellGroup className='service-status__list' divider>
          {dependencyCell('数据库', checks?.database)}
          {dependencyCell('缓存队列 (Redis)', checks?.redis)}
        </CellGroup>
      )}

      <View className='service-status__footer'>
        <Text className='service-status__version'>{version ? `服务版本 ${version}` : ''}</Text>
        <Button
          className='service-status__recheck'
          type='primary'
          size='small'
          loading={checking}
          disabled={checking}
          onClick={onRecheck}
        >
          重新检测
        </Button>
      </View>
    </View>
  )
}
