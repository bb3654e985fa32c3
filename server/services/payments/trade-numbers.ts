/**
 * Our identifiers at WeChat Pay.
 *
 * out_trade_no: 'EC' + yyyymmdd (China date) + 16 random RFC 4648 base32
 * characters (80 bits) = 26 characters, within WeChat Pay's 6–32 and its
 * character set; unique by the orders.out_trade_no constraint.
 *
 * out_refund_no: the order's out_trade_no + 'R' + attempt (1, 2, …):
 * deterministic, so re-running a refund reuses the number and WeChat Pay's
 * idempotency on out_refund_no makes the retry harmless.
 */
import { randomBytes } from 'node:crypto';
import { chinaDate } from '../../../domain/time/calendar-date';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function randomBase32(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i += 1) out += BASE32[bytes[i]! & 31];
  return out;
}

export function newOutTradeNo(now: Date): string {
  const { year, month, day } = chinaDate(now);
  return `EC${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}${randomBase32(16)}`;
}

export function outRefundNoFor(outTradeNo: string, attempt: number): string {
  return `${outTradeNo}R${attempt}`;
}
