export default defineAppConfig({
  pages: [
    'pages/index/index',
    'pages/mine/index',
    'pages/login/index',
    'pages/register/index',
    'pages/forgot-password/index',
    'pages/find-username/index',
    'pages/change-password/index',
    'pages/change-phone/index',
    'pages/my-data/index',
    'pages/account-cancel/index',
    'pages/teacher-activation/index',
    'pages/privacy-policy/index',
    'pages/children-rules/index',
    'pages/dev-inbox/index',
    'pages/ecard/index',
    'pages/comm-card/index',
    'pages/verify/index',
    // identity authentication (family)
    'pages/students/index',
    'pages/profile-form/index',
    'pages/status/index',
    'pages/archive/index',
    'pages/reconfirm/index',
    // class notices and homework (公告作业): families' list and detail, teachers' 发布通知 and 通知回执
    'pages/notices/index',
    'pages/notices/detail',
    'pages/notice-detail/index',
    'pages/notice-compose/index',
    'pages/notice-receipts/index',
  ],
  // Teachers' review pages: a subpackage, loaded only when a teacher opens one
  // (paths stay pages/review/index and pages/review/detail, what messages link to).
  subPackages: [
    {
      root: 'pages/review',
      pages: ['index', 'detail'],
    },
  ],
  window: {
    backgroundTextStyle: 'dark',
    backgroundColor: '#f5f5f5',
    navigationBarBackgroundColor: '#ffffff',
    navigationBarTitleText: '教育卡',
    navigationBarTextStyle: 'black',
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
