/**
 * E-mail addresses: a pragmatic subset of RFC 5321/5322 (dot-atom local part,
 * ASCII host names with a top-level domain of letters or an xn-- label). At
 * most 254 characters, local part at most 64. Trimmed; the domain is lower-cased
 * (the local part is kept as typed: it may be case-sensitive).
 */
import { removeInvisibleFormatting, toHalfWidth } from '../text/normalize';
import { optionalParsedStringSchema, parsedStringSchema } from '../validation/field-schema';
import { type ParseResult, fail, ok } from '../validation/result';

export const MAX_EMAIL_LENGTH = 254;
export const MAX_EMAIL_LOCAL_LENGTH = 64;

const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/** Trims, turns full-width characters (＠, ．, letters) into ASCII and lower-cases the domain. */
export function normalizeEmail(input: string): string {
  const email = removeInvisibleFormatting(toHalfWidth(input)).trim();
  const at = email.lastIndexOf('@');
  if (at < 0) return email;
  return email.slice(0, at) + '@' + email.slice(at + 1).toLowerCase();
}

export function parseEmail(input: string): ParseResult<string> {
  const email = typeof input === 'string' ? normalizeEmail(input) : '';
  if (email === '') return fail('REQUIRED');
  if (email.length > MAX_EMAIL_LENGTH) return fail('EMAIL_FORMAT');
  const at = email.lastIndexOf('@');
  if (at < 0) return fail('EMAIL_FORMAT');
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local.length > MAX_EMAIL_LOCAL_LENGTH || !LOCAL.test(local) || !DOMAIN.test(domain)) return fail('EMAIL_FORMAT');
  return ok(email);
}

export function isValidEmail(input: string): boolean {
  return parseEmail(input).ok;
}

export const emailSchema = parsedStringSchema(parseEmail, 'EMAIL_FORMAT');

/** Optional e-mail: blank input becomes undefined. */
export const optionalEmailSchema = optionalParsedStringSchema(parseEmail, 'EMAIL_FORMAT');
