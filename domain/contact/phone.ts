/**
 * Mainland China mobile numbers: 11 digits, 1 then 3–9 (e.g. 13x, 14x data/IoT,
 * 19x including 192 China Broadcasting). Input may carry the country code
 * (+86, 0086, or 86 before 11 digits), spaces, dashes and full-width digits.
 */
import { removeInvisibleFormatting, toHalfWidth } from '../text/normalize';
import { optionalParsedStringSchema, parsedStringSchema } from '../validation/field-schema';
import { type ParseResult, fail, ok } from '../validation/result';

const MOBILE = /^1[3-9]\d{9}$/;
const SEPARATORS = /[\s\-\u2010-\u2015\u2212]+/g;
const COUNTRY_PREFIX = /^(?:\+86|0086|86)(\d{11})$/;

/** Removes separators and a country code; the result is not necessarily valid. */
export function normalizePhone(input: string): string {
  const compact = removeInvisibleFormatting(toHalfWidth(input)).replace(SEPARATORS, '');
  const national = COUNTRY_PREFIX.exec(compact);
  return national ? national[1]! : compact;
}

export function parsePhone(input: string): ParseResult<string> {
  const phone = typeof input === 'string' ? normalizePhone(input) : '';
  if (phone === '') return fail('REQUIRED');
  return MOBILE.test(phone) ? ok(phone) : fail('PHONE_FORMAT');
}

export function isValidPhone(input: string): boolean {
  return parsePhone(input).ok;
}

/** Required mobile number; outputs the 11 digits. */
export const phoneSchema = parsedStringSchema(parsePhone, 'PHONE_FORMAT');

/** Optional mobile number: blank input becomes undefined. */
export const optionalPhoneSchema = optionalParsedStringSchema(parsePhone, 'PHONE_FORMAT');
