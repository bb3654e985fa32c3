import Taro from '@tarojs/taro'

/**
 * WeChat's privacy authorization (weapp only). The first time a page calls an
 * API the platform protects (the 微信手机号 button, the clipboard, the camera
 * scan, choosing images…), WeChat holds the call and fires
 * onNeedPrivacyAuthorization; the app must show its own prompt and answer
 * with the tap on a button of open-type agreePrivacyAuthorization, or decline.
 * The held call then goes on or fails. The prompt is <PrivacyPopup/>: the one of
 * the page on top answers (pages push themselves when shown).
 */

export type PrivacyAnswer = (option: Taro.onNeedPrivacyAuthorization.ResolveOption) => void

/** A mounted popup: shown with the pending answer, or hidden (undefined). */
type Listener = (answer: PrivacyAnswer | undefined) => void

const listeners: Listener[] = []
let pending: PrivacyAnswer | undefined

/** The popup of the page now on top becomes the one that answers. */
export function activatePrivacyListener(listener: Listener): () => void {
  const index = listeners.indexOf(listener)
  if (index >= 0) listeners.splice(index, 1)
  listeners.push(listener)
  if (pending) listener(pending)
  return () => {
    const at = listeners.indexOf(listener)
    if (at >= 0) listeners.splice(at, 1)
  }
}

/** Answers the held call and hides the popup. */
export function answerPrivacy(option: Taro.onNeedPrivacyAuthorization.ResolveOption) {
  const answer = pending
  pending = undefined
  answer?.(option)
  for (const listener of listeners) listener(undefined)
}

/** Registers the platform's hook once, at app start; H5 has no such rule. */
export function installPrivacyAuthorization() {
  if (process.env.TARO_ENV !== 'weapp' || !Taro.canIUse('onNeedPrivacyAuthorization')) return
  Taro.onNeedPrivacyAuthorization((resolve) => {
    const top = listeners[listeners.length - 1]
    if (!top) {
      // No page here can show the prompt: the call fails, as if declined, and the next try asks again.
      resolve({ event: 'disagree' })
      return
    }
    pending = resolve
    resolve({ event: 'exposureAuthorization' })
    top(resolve)
  })
}
