export default definePageConfig({
  navigationBarTitleText: '找回用户名',
})
