import { useCallback, useState } from 'react'
import { AppError, type ErrorCode } from '../../../domain/errors'

/**
 * Where an API error shows on a form. `fields` keys such as 'body.password' or
 * 'body.agreement.agreed' belong to the form field named by their first segment
 * after 'body' ('password', 'agreement'); a field the page does not have, or an
 * error without fields, becomes the general notice, which every page using this
 * hook shows as a banner above its submit button. No toast besides: it said the
 * same thing twice, and in H5 it lay over the button for 2.5 s swallowing taps.
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

/** 'body.agreement.agreed' → 'agreement'; 'phone' → 'phone'. */
export function formFieldOf(path: string): string {
  const parts = path.split('.').filter((p) => p !== '')
  if (parts.length > 1 && REQUEST_PARTS.has(parts[0]!)) parts.shift()
  return parts[0] ?? ''
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
}

export function useFormErrors<F extends string>(fields: readonly F[]): FormErrors<F> {
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
        const field = formFieldOf(path)
        if (onPage.has(field)) {
          if (!next[field as F]) next[field as F] = message
        } else {
          elsewhere.push(message)
        }
      }
      setErrors(next)
      const matched = Object.keys(next).length > 0
      const general = matched ? elsewhere[0] : elsewhere[0] && error.code === 'VALIDATION_FAILED' ? elsewhere[0] : error.message
      setNotice(general)
      return error
    },
    [fields],
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

  return { errors, notice, show, clear, setFieldError }
}
