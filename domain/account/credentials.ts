/**
 * Username and password rules for the account registered by a parent or student.
 * Usernames are unique case-insensitively: store and look up `usernameKey(u)`.
 * Passwords are never trimmed or otherwise changed.
 */
import { z } from 'zod';
import { type ErrorCode, errorMessage } from '../errors';
import { normalizePhone } from '../contact/phone';
import { codePointLength, removeInvisibleFormatting, toHalfWidth } from '../text/normalize';
import { parsedStringSchema } from '../validation/field-schema';
import { type ParseResult, fail, ok } from '../validation/result';
import { COMMON_PASSWORDS } from './common-passwords';

export const MIN_USERNAME_LENGTH = 4;
export const MAX_USERNAME_LENGTH = 20;
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 32;
/** Of letters, digits and symbols (anything else), a password needs this many. */
export const MIN_PASSWORD_CHARACTER_CLASSES = 2;

const USERNAME = /^[A-Za-z][A-Za-z0-9_]{3,19}$/;
const COMMON_PASSWORD_SET: ReadonlySet<string> = new Set(COMMON_PASSWORDS);

/** Trims and turns full-width letters and digits into ASCII; keeps the case as typed. */
export function normalizeUsername(input: string): string {
  return removeInvisibleFormatting(toHalfWidth(input)).trim();
}

/** The case-insensitive key of a username, for uniqueness and look-ups. */
export function usernameKey(username: string): string {
  return normalizeUsername(username).toLowerCase();
}

export function parseUsername(input: string): ParseResult<string> {
  const username = typeof input === 'string' ? normalizeUsername(input) : '';
  if (username === '') return fail('REQUIRED');
  return USERNAME.test(username) ? ok(username) : fail('USERNAME_FORMAT');
}

export function isCommonPassword(password: string): boolean {
  return COMMON_PASSWORD_SET.has(password.toLowerCase());
}

function characterClassCount(password: string): number {
  let letters = false;
  let digits = false;
  let symbols = false;
  for (const c of password) {
    if (/\p{L}/u.test(c)) letters = true;
    else if (/\p{Nd}/u.test(c)) digits = true;
    else symbols = true;
  }
  return Number(letters) + Number(digits) + Number(symbols);
}

export interface PasswordContext {
  username?: string | null;
  phone?: string | null;
}

/**
 * The first rule the password breaks, or null: length (in code points) →
 * character classes → common password → contains the username or phone number
 * (case-insensitively; the phone is compared as its 11 normalised digits).
 */
export function validatePassword(password: string, context: PasswordContext = {}): ErrorCode | null {
  if (typeof password !== 'string' || password === '') return 'REQUIRED';
  const length = codePointLength(password);
  if (length < MIN_PASSWORD_LENGTH || length > MAX_PASSWORD_LENGTH) return 'PASSWORD_LENGTH';
  if (characterClassCount(password) < MIN_PASSWORD_CHARACTER_CLASSES) return 'PASSWORD_WEAK';
  if (isCommonPassword(password)) return 'PASSWORD_COMMON';
  const lower = password.toLowerCase();
  const username = context.username ? usernameKey(context.username) : '';
  if (username !== '' && lower.includes(username)) return 'PASSWORD_CONTAINS_IDENTITY';
  const phone = context.phone ? normalizePhone(context.phone) : '';
  if (phone !== '' && lower.includes(phone)) return 'PASSWORD_CONTAINS_IDENTITY';
  return null;
}

/** Normalises; outputs the username as typed (use usernameKey for uniqueness). */
export const usernameSchema = parsedStringSchema(parseUsername, 'USERNAME_FORMAT');

/** A new password checked on its own (without username or phone); output unchanged. */
export const passwordSchema = z.string({ error: errorMessage('REQUIRED') }).superRefine((password, ctx) => {
  const code = validatePassword(password);
  if (code) ctx.addIssue({ code: 'custom', message: errorMessage(code), params: { code } });
});

/**
 * Username + new password (+ optional phone) at registration: the password is
 * also checked against the username and the phone number.
 */
export const CredentialsSchema = z
  .object({
    username: usernameSchema,
    password: passwordSchema,
    phone: z.string().optional(),
  })
  .superRefine((value, ctx) => {
    if (typeof value.password !== 'string' || typeof value.username !== 'string') return;
    if (validatePassword(value.password) !== null) return; // already reported on the field
    const code = validatePassword(value.password, { username: value.username, phone: value.phone });
    if (code) ctx.addIssue({ code: 'custom', path: ['password'], message: errorMessage(code), params: { code } });
  });

export type Credentials = z.infer<typeof CredentialsSchema>;
