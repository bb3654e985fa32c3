import Taro from '@tarojs/taro'

/**
 * Page routes (the same strings as app.config.ts) and the navigation rules of
 * the app: tab pages must be opened with switchTab, others with navigateTo /
 * redirectTo; the login page takes `redirect` (the page to return to).
 */
export const PAGES = {
  home: '/pages/index/index',
  mine: '/pages/mine/index',
  login: '/pages/login/index',
  register: '/pages/register/index',
  forgotPassword: '/pages/forgot-password/index',
  findUsername: '/pages/find-username/index',
  changePassword: '/pages/change-password/index',
  changePhone: '/pages/change-phone/index',
  myData: '/pages/my-data/index',
  accountCancel: '/pages/account-cancel/index',
  teacherActivation: '/pages/teacher-activation/index',
  devInbox: '/pages/dev-inbox/index',
  privacyPolicy: '/pages/privacy-policy/index',
  childrenRules: '/pages/children-rules/index',
  // electronic card and communication card (family), card verification (staff)
  ecard: '/pages/ecard/index',
  commCard: '/pages/comm-card/index',
  verify: '/pages/verify/index',
  // identity authentication (family)
  students: '/pages/students/index',
  profileForm: '/pages/profile-form/index',
  status: '/pages/status/index',
  archive: '/pages/archive/index',
  reconfirm: '/pages/reconfirm/index',
  // review (teachers; the weapp subpackage 'pages/review')
  reviews: '/pages/review/index',
  reviewDetail: '/pages/review/detail',
  // class notices and homework (公告作业): the list (families) / 已发通知 (teachers), detail, 发布通知, 通知回执
  notices: '/pages/notices/index',
  noticeDetail: '/pages/notice-detail/index',
  /** The page the notice messages open (domain/messaging/messages.ts); the same as noticeDetail. */
  noticeMessageDetail: '/pages/notices/detail',
  noticeCompose: '/pages/notice-compose/index',
  noticeReceipts: '/pages/notice-receipts/index',
} as const

export const LOGIN_PAGE = PAGES.login

const TAB_PAGES: ReadonlySet<string> = new Set([PAGES.home, PAGES.mine])

function pathOf(url: string): string {
  const path = url.split('?')[0] ?? ''
  return path.startsWith('/') ? path : `/${path}`
}

export function isTabPage(url: string): boolean {
  return TAB_PAGES.has(pathOf(url))
}

/** Only pages of this app are valid redirect targets. */
function isOwnPage(url: string): boolean {
  return (Object.values(PAGES) as string[]).includes(pathOf(url))
}

export function withQuery(path: string, query: Record<string, string | undefined>): string {
  const parts = Object.entries(query)
    .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
  return parts.length > 0 ? `${path}?${parts.join('&')}` : path
}

/** The current page as a URL (route + its parameters), for coming back after login. */
export function currentPageUrl(): string {
  const pages = Taro.getCurrentPages()
  const page = pages[pages.length - 1]
  if (!page) return PAGES.home
  const route = pathOf(page.route ?? '')
  const params = Taro.getCurrentInstance().router?.params ?? {}
  const query: Record<string, string> = {}
  for (const [key, value] of Object.entries(params)) {
    if (!key.startsWith('$') && typeof value === 'string') query[key] = value
  }
  return withQuery(route, query)
}

/** Opens a page with the right API (switchTab for tab pages). */
export function openPage(url: string): Promise<unknown> {
  if (isTabPage(url)) return Taro.switchTab({ url: pathOf(url) })
  return Taro.navigateTo({ url })
}

/** Replaces the current page (tab pages: switchTab, which closes the others). */
export function replacePage(url: string): Promise<unknown> {
  if (isTabPage(url)) return Taro.switchTab({ url: pathOf(url) })
  return Taro.redirectTo({ url })
}

export function openLogin(options: { redirect?: string; replace?: boolean } = {}): Promise<unknown> {
  const redirect = options.redirect && !isTabPage(options.redirect) ? options.redirect : undefined
  const url = withQuery(PAGES.login, { redirect })
  return (options.replace ? Taro.redirectTo({ url }) : Taro.navigateTo({ url })).catch(() =>
    Taro.reLaunch({ url }),
  )
}

/**
 * After a successful sign-in (login, registration, activation): back to the
 * page the user came from when one was given, else to 我的.
 */
export function goAfterSignIn(redirect: string | undefined): Promise<unknown> {
  if (redirect && isOwnPage(redirect) && !pathOf(redirect).startsWith(LOGIN_PAGE)) {
    return replacePage(redirect)
  }
  return Taro.switchTab({ url: PAGES.mine })
}

/** Back when there is a page to go back to, else to the given page. */
export function backOr(url: string): Promise<unknown> {
  if (Taro.getCurrentPages().length > 1) return Taro.navigateBack()
  return replacePage(url)
}

/**
 * A page parameter, decoded. The mini-program hands parameters over still
 * percent-encoded, the H5 router decodes them: decode when it looks encoded.
 */
export function pageParam(params: Record<string, string | undefined>, name: string): string | undefined {
  const raw = params[name]
  if (raw === undefined || raw === '') return undefined
  if (!/%[0-9A-Fa-f]{2}/.test(raw)) return raw
  try {
    return decodeURIComponent(raw)
  } catch {
    return raw
  }
}
