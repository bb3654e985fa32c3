export default definePageConfig({
  navigationBarTitleText: '电子档案',
})
