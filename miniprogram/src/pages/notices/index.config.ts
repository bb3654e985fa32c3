export default definePageConfig({
  navigationBarTitleText: '公告作业',
  enablePullDownRefresh: true,
})
