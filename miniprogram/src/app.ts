import type { PropsWithChildren } from 'react'
import Taro from '@tarojs/taro'
import { config as zodConfig } from 'zod'
import { installPrivacyAuthorization } from './services/privacy'
import { installSessionGuard } from './services/session'
import './app.scss'

// Mini-programs forbid `new Function`; tell zod not to probe for it (its JIT
// fast path needs eval). The H5 build keeps zod's default.
if (process.env.TARO_ENV === 'weapp') {
  zodConfig({ jitless: true })
}

// H5: Taro's tab bar items are <a href="javascript:;">, a navigation the site's
// Content-Security-Policy blocks (and reports as a console error) on every tap.
// Cancel the default action in the capture phase; Taro's own click handler still runs.
if (process.env.TARO_ENV === 'h5' && typeof document !== 'undefined') {
  document.addEventListener(
    'click',
    (event) => {
      const target = event.target as Element | null
      if (target?.closest?.('a[href^="javascript:"]')) event.preventDefault()
    },
    true,
  )
}

// H5 inside WeChat's own browser: WeChat shows the page title and a back button
// already, so Taro's navigation bar (the one a plain mobile browser needs) is hidden.
if (process.env.TARO_ENV === 'h5' && typeof document !== 'undefined' && /\bMicroMessenger\b/i.test(navigator.userAgent)) {
  document.documentElement.classList.add('h5-in-wechat')
}

// A rejected session token (401) anywhere clears the session and opens the login page.
installSessionGuard()

// weapp: the app's own prompt answers WeChat's privacy authorization (components/PrivacyPopup).
installPrivacyAuthorization()

/**
 * weapp: WeChat downloads a new version in the background on a cold start and
 * runs the old one meanwhile. When it is ready, offer to restart into it (a
 * family mid-form can say 稍后); a failed download is retried on the next start.
 */
function watchForUpdates() {
  if (process.env.TARO_ENV !== 'weapp' || !Taro.canIUse('getUpdateManager')) return
  const updates = Taro.getUpdateManager()
  updates.onUpdateReady(() => {
    void Taro.showModal({
      title: '发现新版本',
      content: '新版本已经准备好，是否重启小程序使用新版本？',
      confirmText: '重启',
      cancelText: '稍后',
    }).then(({ confirm }) => {
      if (confirm) updates.applyUpdate()
    })
  })
  updates.onUpdateFailed(() => {
    void Taro.showToast({ title: '新版本下载失败，下次打开时再试', icon: 'none' })
  })
}
watchForUpdates()

function App({ children }: PropsWithChildren) {
  // children is the page being rendered
  return children
}

export default App
