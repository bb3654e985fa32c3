export default definePageConfig({
  navigationBarTitleText: '开发收件箱',
})
