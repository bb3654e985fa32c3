export default definePageConfig({
  navigationBarTitleText: '我的学生',
  enablePullDownRefresh: true,
})
