export default definePageConfig({
  navigationBarTitleText: '电子教育卡',
  navigationBarBackgroundColor: '#0b8f6a',
  navigationBarTextStyle: 'white',
  backgroundColor: '#f5f5f5',
})
