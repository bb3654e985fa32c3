/**
 * Opaque random tokens and their keyed hashes. Tokens (sessions, tickets,
 * captcha ids) are never stored: only HMAC-SHA256 under SESSION_SECRET, so a
 * copy of the database or of Redis yields nothing that can be presented back.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes (256 bits) as base64url: 43 characters. */
export function newToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Base64url of 32 bytes: what newToken() returns. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** HMAC-SHA256(secret, value) as base64url. */
export function hmac(secret: string, value: string): string {
  return createHmac('sha256', secret).update(value, 'utf8').digest('base64url');
}

/** HMAC-SHA256 of a value within a purpose (domain separation between kinds of secrets). */
export function purposeHmac(secret: string, purpose: string, value: string): string {
  return hmac(secret, `${purpose}\u0000${value}`);
}

/** Constant-time comparison of two strings. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
