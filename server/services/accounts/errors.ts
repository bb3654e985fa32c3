import { AppError, errorMessage, type ErrorCode } from '../../../domain/errors';
import { validatePassword } from '../../../domain/account/credentials';

/**
 * An error about one field of the request body, in the same shape as the
 * validation errors of server/http/validate.ts (`fields: { "body.smsCode": … }`),
 * so a form shows both next to the same input.
 */
export function fieldError(code: ErrorCode, field: string, message?: string): AppError {
  const text = message ?? errorMessage(code);
  return new AppError(code, { message: text, fields: { [`body.${field}`]: text } });
}

/**
 * The password rules that need the account's username and phone (the others
 * ran in the request schema): VALIDATION_FAILED on the field when broken.
 */
export function assertPasswordAllowed(
  password: string,
  context: { username?: string | null; phone?: string | null },
  field: string,
): void {
  const code = validatePassword(password, context);
  if (code) {
    const message = errorMessage(code);
    throw new AppError('VALIDATION_FAILED', { fields: { [`body.${field}`]: message } });
  }
}

/**
 * Card numbers are no account identifier (issue 12): a username shaped like an
 * education card number (JY + 14 digits + check character, any case) is
 * refused, so typing a card number never reaches an account.
 */
export function assertUsernameNotCardNumber(username: string, field = 'username'): void {
  if (/^JY\d{13}[0-9X]$/.test(username.replace(/\s+/g, '').toUpperCase())) {
    throw fieldError('USERNAME_FORMAT', field, '用户名不能使用教育卡号的格式');
  }
}
