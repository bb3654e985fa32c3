export default definePageConfig({
  navigationBarTitleText: '卡片验证',
})
