import { useCallback, useRef, useState } from 'react'

/**
 * Runs a submit handler at most once at a time: while it runs, further taps are
 * ignored (a ref, not state, so two taps in the same frame cannot both pass) and
 * `submitting` drives the button's loading state.
 */
export function useSubmit<A extends unknown[]>(
  handler: (...args: A) => Promise<void>,
): [submitting: boolean, run: (...args: A) => void] {
  const busy = useRef(false)
  const latest = useRef(handler)
  latest.current = handler
  const [submitting, setSubmitting] = useState(false)

  const run = useCallback((...args: A) => {
    if (busy.current) return
    busy.current = true
    setSubmitting(true)
    latest
      .current(...args)
      .catch(() => undefined) // handlers report their own errors
      .finally(() => {
        busy.current = false
        setSubmitting(false)
      })
  }, [])

  return [submitting, run]
}
