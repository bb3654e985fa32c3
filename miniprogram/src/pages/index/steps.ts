import { isInFlight } from '../../../../domain/review/state-machine'

/** The four steps a family goes through. */
export interface AuthStep {
  title: string
  description: string
}

export const AUTH_STEPS: readonly AuthStep[] = [
  { title: '注册账号', description: '选择身份，验证手机号，设置用户名和密码' },
  { title: '填写信息', description: '填写个人信息、学籍信息和监护人信息' },
  { title: '信息审核', description: '与学籍库比对，一致即自动通过，否则由班主任审核' },
  { title: '完成认证', description: '查看电子卡和电子档案，可自愿选用通讯卡' },
]

/** plain: a visitor (no progress to show). */
export type StepState = 'done' | 'current' | 'failed' | 'todo' | 'plain'

/** Where the family stands in the four steps, from its students (the furthest one counts). */
export interface FamilyProgress {
  states: StepState[]
  /** What to do or expect next, in words; null for visitors. */
  note: string | null
}

interface ProgressStudent {
  status: string
  hasValidCard: boolean
}

export function familyProgress(students: readonly ProgressStudent[] | undefined): FamilyProgress {
  if (!students) return { states: ['plain', 'plain', 'plain', 'plain'], note: null }
  if (students.some((s) => s.hasValidCard)) {
    return { states: ['done', 'done', 'done', 'done'], note: '已完成认证，可在“我的学生”查看电子教育卡' }
  }
  if (students.some((s) => isInFlight(s.status))) {
    return { states: ['done', 'done', 'current', 'todo'], note: '信息审核中，结果会通过微信消息通知您' }
  }
  if (students.some((s) => s.status === 'returned')) {
    return { states: ['done', 'done', 'failed', 'todo'], note: '资料被退回，请查看原因并修改后重新提交' }
  }
  return { states: ['done', 'current', 'todo', 'todo'], note: '下一步：在“我的学生”中填写学生信息并提交' }
}
