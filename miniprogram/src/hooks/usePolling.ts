import { useEffect, useRef } from 'react'
import { useDidHide, useDidShow, useUnload } from '@tarojs/taro'

/**
 * Calls `tick` every `intervalMs` while `active` and the page is shown (a
 * hidden page, e.g. under a newer one, stops polling). One tick at a time: a
 * slow request is never overlapped by the next.
 */
export function usePolling(tick: () => Promise<unknown>, intervalMs: number, active: boolean): void {
  const latest = useRef(tick)
  latest.current = tick
  const shown = useRef(true)
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const running = useRef(false)
  const activeRef = useRef(active)
  activeRef.current = active

  const stop = () => {
    if (timer.current !== undefined) clearTimeout(timer.current)
    timer.current = undefined
  }

  const schedule = () => {
    stop()
    if (!activeRef.current || !shown.current) return
    timer.current = setTimeout(() => {
      if (running.current) return schedule()
      running.current = true
      latest
        .current()
        .catch(() => undefined)
        .finally(() => {
          running.current = false
          schedule()
        })
    }, intervalMs)
  }

  useEffect(() => {
    schedule()
    return stop
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [active, intervalMs])

  useDidShow(() => {
    shown.current = true
    schedule()
  })
  useDidHide(() => {
    shown.current = false
    stop()
  })
  useUnload(stop)
}
