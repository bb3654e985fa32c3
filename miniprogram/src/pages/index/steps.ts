/** The four steps a family goes through (DESIGN.md §1). */
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
