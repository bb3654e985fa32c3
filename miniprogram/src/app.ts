import type { PropsWithChildren } from 'react'
import { config as zodConfig } from 'zod'
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

// A rejected session token (401) anywhere clears the session and opens the login page.
installSessionGuard()

function App({ children }: PropsWithChildren) {
  // children is the page being rendered
  return children
}

export default App
