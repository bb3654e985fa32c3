/**
 * The mini-program's phone button (getPhoneNumber code) → the phone number as
 * WeChat verified it → a phone ticket (Redis, 10 minutes, single use) that
 * registration accepts instead of an SMS code for that same number.
 */
import { parsePhone } from '../../../domain/contact/phone';
import { maskPhone } from '../../../domain/masking';
import type { AppContext } from '../../context';
import { TICKET_TTL_SECONDS } from '../../security/tickets';
import { fieldError } from './errors';
import type { PhoneTicket } from './register';
import type { RequestMeta } from './request-meta';
import { callWechat } from './wechat-errors';

export async function wechatPhoneTicket(
  app: AppContext,
  input: { code: string },
  meta: RequestMeta,
): Promise<{ phoneTicket: string; phone: string; phoneMasked: string; expiresIn: number }> {
  const { limits, tickets } = app.security;
  await limits.wechatPhonePerIp.consumeOrThrow(meta.ip);
  const wx = await callWechat(() => app.wechat.getPhoneNumber(input.code));
  const phone = parsePhone(wx.purePhoneNumber);
  // Only mainland mobile numbers can receive our SMS and pass the registry's checks.
  if (wx.countryCode !== '86' || !phone.ok) throw fieldError('PHONE_FORMAT', 'code');
  const payload: PhoneTicket = { phone: phone.value };
  const phoneTicket = await tickets.issue('phone', payload);
  return { phoneTicket, phone: phone.value, phoneMasked: maskPhone(phone.value), expiresIn: TICKET_TTL_SECONDS };
}
