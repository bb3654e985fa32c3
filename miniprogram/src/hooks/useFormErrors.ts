import { useCallback, useState } from 'react'
import Taro from '@tarojs/taro'
import { AppError, type ErrorCode } from '../../../domain/errors'

/**
 * Where an API error shows on a form. An error's `fields` key ('body.password',
 * 'body.agreement.agreed', 'body.guardians.1.phone') belongs to the longest
 * field path the page has that starts it: a flat form names its fields
 * ('password', 'agreement'), a nested one (the profile form) their full paths
 * ('personal.name', 'guardians.1.phone', 'consent'). A field the page does not
 * have, or an error without fields, becomes the general notice, which every
 * page shows as a banner above its submit button. No toast besides (it said the
 * same thing twice, and in H5 it lay over the button for 2.5 s swallowing taps),
 * except on a long form that asks for one: its banner may be out of sight.
 */

/** Errors the server may send without `fields` that still belong to one field. */
const FIELD_OF_CODE: Partial<Record<ErrorCode, string>> = {
  SMS_CODE_INVALID: 'smsCode',
  SMS_CODE_FORMAT: 'smsCode',
  CAPTCHA_REQUIRED: 'captchaAnswer',
  CAPTCHA_INVALID: 'captchaAnswer',
  CURRENT_PASSWORD_WRONG: 'currentPassword',
  USERNAME_TAKEN: 'username',
  USERNAME_NEEDED: 'username',
  AGREEMENT_REQUIRED: 'agreement',
  PHONE_FORMAT: 'phone',
}

const REQUEST_PARTS = new Set(['body', 'query', 'params'])

/** 'body.guardians.0.phone' → 'guardians.0.phone'; 'phone' → 'phone'. */
export function pathOfError(key: string): string {
  const parts = key.split('.').filter((p) => p !== '')
  if (parts.length > 1 && REQUEST_PARTS.has(parts[0]!)) parts.shift()
  return parts.join('.')
}

/** The longest of the page's fields that the error path starts with, if any. */
function fieldOf(path: string, known: ReadonlySet<string>): string | undefined {
  const parts = pathOfError(path).split('.')
  for (let n = parts.length; n > 0; n -= 1) {
    const candidate = parts.slice(0, n).join('.')
    if (known.has(candidate)) return candidate
  }
  return undefined
}

export function toAppError(err: unknown): AppError {
  return err instanceof AppError ? err : new AppError('INTERNAL', { cause: err })
}

export interface FormErrors<F extends string> {
  errors: Partial<Record<F, string>>
  notice: string | undefined
  /** Shows an error where it belongs; returns it as an AppError for further checks. */
  show: (err: unknown) => AppError
  /** Clears one field's error (on edit) or everything. */
  clear: (field?: F) => void
  setFieldError: (field: F, message: string) => void
  setNotice: (message: string | undefined) => void
}

export interface FormErrorOptions {
  /** Also a toast with the general notice (long forms, whose banner may be out of sight). */
  toast?: boolean
}

export function useFormErrors<F extends string>(fields: readonly F[], options: FormErrorOptions = {}): FormErrors<F> {
  const toast = options.toast ?? false
  const [errors, setErrors] = useState<Partial<Record<F, string>>>({})
  const [notice, setNotice] = useState<string>()

  const show = useCallback(
    (err: unknown): AppError => {
      const error = toAppError(err)
      const onPage = new Set<string>(fields)
      const next: Partial<Record<F, string>> = {}
      const elsewhere: string[] = []
      const entries = Object.entries(error.fields ?? {})
      if (entries.length === 0 && FIELD_OF_CODE[error.code]) entries.push([FIELD_OF_CODE[error.code]!, error.message])
      for (const [path, message] of entries) {
        const field = fieldOf(path, onPage)
        if (field !== undefined) {
          if (!next[field as F]) next[field as F] = message
        } else {
          elsewhere.push(message)
        }
      }
      setErrors(next)
      const matched = Object.keys(next).length > 0
      const general = matched ? elsewhere[0] : elsewhere[0] && error.code === 'VALIDATION_FAILED' ? elsewhere[0] : error.message
      setNotice(general)
      if (toast) void Taro.showToast({ title: general ?? '请检查标红的项目', icon: 'none', duration: 2500 })
      return error
    },
    [fields, toast],
  )

  const clear = useCallback((field?: F) => {
    if (field === undefined) {
      setErrors({})
      setNotice(undefined)
      return
    }
    setErrors((prev) => {
      if (!prev[field]) return prev
      const copy = { ...prev }
      delete copy[field]
      return copy
    })
  }, [])

  const setFieldError = useCallback((field: F, message: string) => {
    setErrors((prev) => ({ ...prev, [field]: message }))
  }, [])

  return { errors, notice, show, clear, setFieldError, setNotice }
}
