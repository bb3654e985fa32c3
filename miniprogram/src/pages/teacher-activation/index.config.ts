export default definePageConfig({
  navigationBarTitleText: '教师激活',
})
