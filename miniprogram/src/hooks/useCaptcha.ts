import { useCallback, useRef, useState } from 'react'
import Taro from '@tarojs/taro'
import { fetchCaptcha } from '../services/auth'
import { toAppError } from './useFormErrors'

export interface CaptchaState {
  captchaId: string | undefined
  /** PNG data URL */
  image: string | undefined
  loading: boolean
  /** Loads a new picture (the previous one is spent after each attempt). */
  refresh: () => Promise<void>
  reset: () => void
}

export function useCaptcha(): CaptchaState {
  const [captcha, setCaptcha] = useState<{ captchaId: string; image: string }>()
  const [loading, setLoading] = useState(false)
  const busy = useRef(false)

  const refresh = useCallback(async () => {
    if (busy.current) return
    busy.current = true
    setLoading(true)
    try {
      const next = await fetchCaptcha()
      setCaptcha({ captchaId: next.captchaId, image: next.image })
    } catch (err) {
      void Taro.showToast({ title: toAppError(err).message, icon: 'none' })
    } finally {
      busy.current = false
      setLoading(false)
    }
  }, [])

  const reset = useCallback(() => setCaptcha(undefined), [])

  return { captchaId: captcha?.captchaId, image: captcha?.image, loading, refresh, reset }
}
