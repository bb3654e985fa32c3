export default definePageConfig({
  navigationBarTitleText: '教育卡',
  enablePullDownRefresh: true,
  backgroundTextStyle: 'dark',
})
