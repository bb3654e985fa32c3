import { useCallback, useEffect, useRef, useState } from 'react'

/** A seconds countdown (for 重新获取(56s)); based on the end time, so a paused page catches up. */
export function useCountdown(): { remaining: number; start: (seconds: number) => void } {
  const [remaining, setRemaining] = useState(0)
  const timer = useRef<ReturnType<typeof setInterval> | undefined>(undefined)

  const stop = useCallback(() => {
    if (timer.current !== undefined) clearInterval(timer.current)
    timer.current = undefined
  }, [])

  const start = useCallback(
    (seconds: number) => {
      stop()
      const endsAt = Date.now() + seconds * 1000
      const tick = () => {
        const left = Math.max(0, Math.ceil((endsAt - Date.now()) / 1000))
        setRemaining(left)
        if (left === 0) stop()
      }
      tick()
      timer.current = setInterval(tick, 250)
    },
    [stop],
  )

  useEffect(() => stop, [stop])
  return { remaining, start }
}
