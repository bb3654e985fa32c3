/**
 * What a person types to sign in (a username or a mobile number), as a look-up
 * and as the key its failed attempts are counted under. The key exists for
 * every input, whether or not an account has it.
 */
import { usernameKey } from '../../../domain/account/credentials';
import { parsePhone } from '../../../domain/contact/phone';
import { maskPhone } from '../../../domain/masking';
import type { AppContext } from '../../context';
import { maskUsername, phoneIndexOf } from './account-view';

export type LoginIdentifier =
  | { kind: 'phone'; phone: string; phoneIndex: string; guardKey: string; masked: string }
  | { kind: 'username'; usernameKey: string; guardKey: string; masked: string };

export const usernameGuardKey = (key: string): string => `u:${key}`;
export const phoneGuardKey = (phoneIndex: string): string => `p:${phoneIndex}`;

export function parseLoginIdentifier(app: Pick<AppContext, 'pii'>, login: string): LoginIdentifier {
  const phone = parsePhone(login);
  if (phone.ok) {
    const phoneIndex = phoneIndexOf(app, phone.value);
    return { kind: 'phone', phone: phone.value, phoneIndex, guardKey: phoneGuardKey(phoneIndex), masked: maskPhone(phone.value) };
  }
  const key = usernameKey(login);
  return { kind: 'username', usernameKey: key, guardKey: usernameGuardKey(key), masked: maskUsername(key) };
}
