import { useCallback, useState } from 'react'
import type { AppError } from '../../../domain/errors'
import { useFormErrors, type FormErrorOptions, type FormErrors } from './useFormErrors'
import { useSubmit } from './useSubmit'

/**
 * A form's text values and their errors: `edit(field)` is the onChange of a
 * field (sets the value, clears that field's error). `fields` names every place
 * an error can show (some are not text values: a consent, a captcha).
 */
export function useFormState<T extends Record<string, string>, F extends string>(
  initial: T,
  fields: readonly F[],
  options?: FormErrorOptions,
) {
  const [form, setForm] = useState<T>(initial)
  const errors = useFormErrors<F>(fields, options)
  const { clear } = errors
  const edit = useCallback(
    (field: keyof T & F) => (value: string) => {
      setForm((f) => ({ ...f, [field]: value }))
      clear(field)
    },
    [clear],
  )
  return { form, setForm, edit, ...errors }
}

export interface FormSubmitOptions {
  /** The API's error in the form's terms (its field names) before it is shown. */
  mapError?: (err: unknown) => unknown
  /** After the error is shown: what else the page does with it. */
  onError?: (error: AppError) => void
}

/**
 * Submits a form at most once at a time: clears the old errors, runs the
 * handler, and shows what it throws where it belongs (field or banner).
 */
export function useFormSubmit(
  errors: { clear: () => void; show: FormErrors<string>['show'] },
  handler: () => Promise<void>,
  options: FormSubmitOptions = {},
): [submitting: boolean, run: () => void] {
  return useSubmit(async () => {
    errors.clear()
    try {
      await handler()
    } catch (err) {
      const error = errors.show(options.mapError ? options.mapError(err) : err)
      options.onError?.(error)
    }
  })
}
