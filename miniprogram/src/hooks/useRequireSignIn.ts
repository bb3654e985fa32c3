import { useEffect } from 'react'
import { isSignedIn } from '../services/session'
import { currentPageUrl, openLogin } from '../services/navigation'

/**
 * Pages that need an account: without a stored session, open the login page
 * (replacing this one) and come back here after signing in. A session the
 * server rejects is handled by the session guard (services/session.ts).
 * Returns whether the page may load its data.
 */
export function useRequireSignIn(): boolean {
  const signedIn = isSignedIn()
  useEffect(() => {
    if (!signedIn) void openLogin({ redirect: currentPageUrl(), replace: true })
  }, [signedIn])
  return signedIn
}
