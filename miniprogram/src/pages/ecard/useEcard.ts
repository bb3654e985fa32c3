import { useCallback, useEffect, useRef, useState } from 'react'
import type { EcardView } from '../../../../domain/api/ecard'
import { toAppError } from '../../hooks/useFormErrors'
import { getEcard } from '../../services/ecard'

/** After a failed refresh, try again this soon. */
const RETRY_MS = 5_000

export interface EcardState {
  view: EcardView | undefined
  /** The last load failed (the previous card, if any, stays shown). */
  error: string | undefined
  loading: boolean
  /** Seconds until the QR code is fetched again; undefined when there is no token. */
  secondsToRefresh: number | undefined
  /** The shown token is older than its lifetime (refreshes kept failing). */
  stale: boolean
  refresh: () => void
}

/**
 * The card of one student with its rotating QR token. The server says how long
 * to show a token (`refreshInSeconds`, about half its lifetime); the next one
 * is fetched then, timed on this device's clock from when the answer arrived,
 * so a phone whose clock is off still refreshes in time. Timers run only while
 * `active` (the page is shown).
 */
export function useEcard(studentId: string | undefined, active: boolean): EcardState {
  const [view, setView] = useState<EcardView>()
  const [error, setError] = useState<string>()
  const [loading, setLoading] = useState(false)
  const [receivedAt, setReceivedAt] = useState<number>()
  const [refreshAt, setRefreshAt] = useState<number>()
  const [now, setNow] = useState(() => Date.now())
  const inFlight = useRef(false)

  const load = useCallback(async () => {
    if (!studentId || inFlight.current) return
    inFlight.current = true
    setLoading(true)
    try {
      const next = await getEcard(studentId)
      const at = Date.now()
      setView(next)
      setError(undefined)
      setReceivedAt(at)
      setRefreshAt(next.token && next.refreshInSeconds ? at + next.refreshInSeconds * 1000 : undefined)
    } catch (err) {
      setError(toAppError(err).message)
      setRefreshAt((previous) => (previous === undefined ? undefined : Date.now() + RETRY_MS))
    } finally {
      inFlight.current = false
      setLoading(false)
      setNow(Date.now())
    }
  }, [studentId])

  // Tick once a second while shown; fetch the next token when it is due.
  useEffect(() => {
    if (!active) return undefined
    const timer = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(timer)
  }, [active])

  useEffect(() => {
    if (active && refreshAt !== undefined && now >= refreshAt) void load()
  }, [active, now, refreshAt, load])

  // Shown (again): a fresh card, unless the one on screen is still good for a while.
  useEffect(() => {
    if (!active) return
    const current = Date.now()
    if (refreshAt === undefined || current >= refreshAt - 3_000) void load()
  }, [active, studentId]) // only when the page becomes shown or the student changes

  const lifetimeMs = view?.refreshInSeconds ? view.refreshInSeconds * 2000 : undefined
  return {
    view,
    error,
    loading,
    secondsToRefresh: refreshAt === undefined ? undefined : Math.max(0, Math.ceil((refreshAt - now) / 1000)),
    stale: Boolean(view?.token && receivedAt !== undefined && lifetimeMs !== undefined && now - receivedAt >= lifetimeMs),
    refresh: () => void load(),
  }
}
