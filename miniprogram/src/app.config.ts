/** The development inbox page: only when config/index.ts decided to build it (never a weapp release). */
const withDevInbox = process.env.TARO_APP_DEV_INBOX === '1'

/**
 * A subpackage per folder, its root the page's own folder, so every page keeps
 * its path (pages/review/detail and pages/notices/detail are what the messages
 * link to). The main package holds only the two tab pages and what they share;
 * WeChat limits it to 2 MB, and we keep it under 600 KB
 * (miniprogram/scripts/check-package-size.mjs, a step of npm test) so that a
 * cold start downloads little. Each page loads its own code when first opened;
 * `preloadRule` fetches a family's next steps while the tab pages are shown.
 */
function pageFolder(folder: string, pages: string[] = ['index']) {
  return { root: `pages/${folder}`, pages }
}

/** Account pages: 登录, 注册, 找回, 修改密码/手机号, 我的数据, 注销账号, and the two policy texts. */
const ACCOUNT_FOLDERS = ['login', 'register', 'forgot-password', 'find-username', 'change-password', 'change-phone', 'my-data', 'account-cancel', 'privacy-policy', 'children-rules']
/** Families: their students, the forms and status, the cards, 公告作业 (also teachers' 已发通知). */
const FAMILY_FOLDERS = ['students', 'profile-form', 'status', 'archive', 'reconfirm', 'ecard', 'comm-card']
/** Teachers and school staff: 审核工作台, 发布通知, 通知回执, 卡片验证, 教师激活. */
const STAFF_FOLDERS = ['notice-compose', 'notice-receipts', 'verify', 'teacher-activation']

export default defineAppConfig({
  pages: ['pages/index/index', 'pages/mine/index'],
  subPackages: [
    ...ACCOUNT_FOLDERS.map((folder) => pageFolder(folder)),
    ...FAMILY_FOLDERS.map((folder) => pageFolder(folder)),
    pageFolder('notices', ['index', 'detail']),
    pageFolder('review', ['index', 'detail']),
    ...STAFF_FOLDERS.map((folder) => pageFolder(folder)),
    ...(withDevInbox ? [pageFolder('dev-inbox')] : []),
  ],
  // What the tab pages lead to next, fetched in the background once they show.
  preloadRule: {
    'pages/index/index': { network: 'all', packages: ['pages/login', 'pages/register', 'pages/students', 'pages/notices'] },
    'pages/mine/index': { network: 'all', packages: ['pages/login', 'pages/students', 'pages/ecard', 'pages/notices'] },
  },
  // Components are injected when a page first renders them, not all at start-up.
  lazyCodeLoading: 'requiredComponents',
  window: {
    backgroundTextStyle: 'dark',
    backgroundColor: '#f5f5f5',
    navigationBarBackgroundColor: '#ffffff',
    navigationBarTitleText: '教育卡',
    navigationBarTextStyle: 'black',
    // H5: Taro draws this bar itself (title, and back or 首页), the only navigation a plain
    // mobile browser has; inside WeChat's browser app.ts hides it (WeChat shows its own).
    navigationStyle: 'default',
  },
  tabBar: {
    color: '#999999',
    selectedColor: '#07c160',
    backgroundColor: '#ffffff',
    borderStyle: 'black',
    list: [
      {
        pagePath: 'pages/index/index',
        text: '首页',
        iconPath: 'assets/tabbar/home.png',
        selectedIconPath: 'assets/tabbar/home-active.png',
      },
      {
        pagePath: 'pages/mine/index',
        text: '我的',
        iconPath: 'assets/tabbar/mine.png',
        selectedIconPath: 'assets/tabbar/mine-active.png',
      },
    ],
  },
})
