import type { PropsWithChildren } from 'react'
import { config as zodConfig } from 'zod'
import { installSessionGuard } from './services/session'
import './app.scss'

// Mini-programs forbid `new Function`; tell zod not to probe for it (its JIT
// fast path needs eval). The H5 build keeps zod's default.
if (process.env.TARO_ENV === 'weapp') {
  zodConfig({ jitless: true })
}

// A rejected session token (401) anywhere clears the session and opens the login page.
installSessionGuard()

function App({ children }: PropsWithChildren) {
  // children is the page being rendered
  return children
}

export default App
