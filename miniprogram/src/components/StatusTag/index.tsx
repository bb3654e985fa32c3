import { Text } from '@tarojs/components'
import type { ReviewState } from '../../../../domain/review/state-machine'
import './index.scss'

/** The colour family of each review status. */
const TONE: Record<ReviewState, 'grey' | 'blue' | 'orange' | 'red' | 'green'> = {
  draft: 'grey',
  submitted: 'blue',
  matching: 'blue',
  pending_review: 'orange',
  returned: 'red',
  approved: 'green',
  reconfirm_required: 'orange',
  withdrawn: 'grey',
  disputed: 'orange',
}

interface Props {
  status: ReviewState
  /** The server's label (statusLabel); the domain's label when absent. */
  label: string
  testId?: string
}

/** A small rounded label: 草稿 / 比对中 / 待班主任审核 / 已退回 / 已认证 … */
export default function StatusTag({ status, label, testId = 'status-tag' }: Props) {
  return (
    <Text className={`status-tag status-tag--${TONE[status] ?? 'grey'} status-${status}`} data-testid={testId} data-status={status}>
      {label}
    </Text>
  )
}
