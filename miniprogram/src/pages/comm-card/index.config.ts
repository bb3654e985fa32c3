export default definePageConfig({
  navigationBarTitleText: '通讯卡',
})
