export default definePageConfig({
  navigationBarTitleText: '学期确认',
})
