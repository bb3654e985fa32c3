import { useEffect, useRef } from 'react'
import { loadSubscribeTemplateIds, requestSubscription } from '../services/profiles'

/**
 * One-time subscribe messages where families naturally tap (weapp only):
 * the template ids are loaded when the component mounts, and the returned
 * function asks for them inside the tap (WeChat shows the dialog only for a
 * user gesture). Each accept is one message the server may send, so asking
 * again at the next natural tap (after approval, opening a notice) keeps the
 * family reachable; a family that ticked 总是保持以上选择 sees no dialog at all.
 * Never throws, never delays what the tap does.
 */
export function useSubscribeRequest(): () => void {
  const ids = useRef<string[]>([])
  useEffect(() => {
    void loadSubscribeTemplateIds().then((loaded) => {
      ids.current = loaded
    })
  }, [])
  return () => requestSubscription(ids.current)
}
