import {
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  usernameKey,
  validatePassword,
  type PasswordContext,
} from '../../../../domain/account/credentials'
import { normalizePhone } from '../../../../domain/contact/phone'
import type { ErrorCode } from '../../../../domain/errors'
import { codePointLength } from '../../../../domain/text/normalize'

export interface PasswordRule {
  key: 'length' | 'classes' | 'identity'
  label: string
  met: boolean
}

export interface PasswordCheck {
  rules: PasswordRule[]
  /** The server's verdict: the first rule broken (domain's validatePassword), or null. */
  problem: ErrorCode | null
}

/**
 * The live checklist under a new-password field. Each line is evaluated on its
 * own (the user sees everything that is still missing), with domain's rules so
 * it always agrees with the server:
 * - length: code points within MIN..MAX;
 * - character classes: validatePassword on the password's characters repeated
 *   to a valid length, which keeps exactly its classes, so only the class rule
 *   can fail;
 * - identity: the username key / normalised phone inside the lower-cased
 *   password, as validatePassword compares them.
 * `problem` is validatePassword itself (it also catches common passwords).
 */
export function checkPassword(password: string, context: PasswordContext = {}): PasswordCheck {
  const length = codePointLength(password)
  const chars = [...password]

  let classesMet = false
  if (chars.length > 0) {
    let sample = chars
    while (sample.length < MIN_PASSWORD_LENGTH) sample = sample.concat(chars)
    classesMet = validatePassword(sample.slice(0, MAX_PASSWORD_LENGTH).join('')) !== 'PASSWORD_WEAK'
  }

  const lower = password.toLowerCase()
  const username = context.username ? usernameKey(context.username) : ''
  const phone = context.phone ? normalizePhone(context.phone) : ''
  const containsIdentity = (username !== '' && lower.includes(username)) || (phone !== '' && lower.includes(phone))

  return {
    rules: [
      { key: 'length', label: `${MIN_PASSWORD_LENGTH}–${MAX_PASSWORD_LENGTH} 位`, met: length >= MIN_PASSWORD_LENGTH && length <= MAX_PASSWORD_LENGTH },
      { key: 'classes', label: '至少包含字母、数字、符号中的两类', met: classesMet },
      { key: 'identity', label: '不能包含用户名或手机号', met: password !== '' && !containsIdentity },
    ],
    problem: validatePassword(password, context),
  }
}
