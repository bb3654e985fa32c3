import { useCallback, useState } from 'react'
import Taro from '@tarojs/taro'
import type { AppError } from '../../../domain/errors'
import { toAppError } from './useFormErrors'

/**
 * Field errors of a nested form (the profile form), keyed by the full path
 * after 'body': 'personal.name', 'school.classId', 'guardians.1.phone',
 * 'consent'. The flat forms use useFormErrors (first segment only); this is the
 * same idea for forms whose fields live in sections and lists.
 *
 * An error path belongs to the longest field path of the page that is a prefix
 * of it ('consent.agreed' → 'consent'); what belongs to no field becomes the
 * general notice (and a toast), like in useFormErrors.
 */
export interface PathErrors {
  errors: Readonly<Record<string, string>>
  notice: string | undefined
  show: (err: unknown) => AppError
  /** Clears one field's error (on edit), or all with no argument. */
  clear: (path?: string) => void
  setNotice: (message: string | undefined) => void
  setFieldError: (path: string, message: string) => void
}

const REQUEST_PARTS = new Set(['body', 'query', 'params'])

/** 'body.guardians.0.phone' → 'guardians.0.phone' */
export function pathOfError(key: string): string {
  const parts = key.split('.').filter((p) => p !== '')
  if (parts.length > 1 && REQUEST_PARTS.has(parts[0]!)) parts.shift()
  return parts.join('.')
}

export function usePathErrors(fields: readonly string[]): PathErrors {
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [notice, setNotice] = useState<string>()

  const show = useCallback(
    (err: unknown): AppError => {
      const error = toAppError(err)
      const known = new Set(fields)
      const next: Record<string, string> = {}
      const elsewhere: string[] = []
      for (const [key, message] of Object.entries(error.fields ?? {})) {
        const parts = pathOfError(key).split('.')
        let field: string | undefined
        for (let n = parts.length; n > 0 && !field; n -= 1) {
          const candidate = parts.slice(0, n).join('.')
          if (known.has(candidate)) field = candidate
        }
        if (field) {
          if (!next[field]) next[field] = message
        } else {
          elsewhere.push(message)
        }
      }
      setErrors(next)
      const matched = Object.keys(next).length > 0
      const general = matched ? elsewhere[0] : (elsewhere[0] ?? error.message)
      setNotice(general)
      void Taro.showToast({ title: general ?? '请检查标红的项目', icon: 'none', duration: 2500 })
      return error
    },
    [fields],
  )

  const clear = useCallback((path?: string) => {
    if (path === undefined) {
      setErrors({})
      setNotice(undefined)
      return
    }
    setErrors((prev) => {
      if (!prev[path]) return prev
      const copy = { ...prev }
      delete copy[path]
      return copy
    })
  }, [])

  const setFieldError = useCallback((path: string, message: string) => {
    setErrors((prev) => ({ ...prev, [path]: message }))
  }, [])

  return { errors, notice, show, clear, setNotice, setFieldError }
}
