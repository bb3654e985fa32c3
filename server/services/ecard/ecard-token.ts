/**
 * Electronic-card tokens (format in domain/api/ecard.ts):
 * `EC1.<base64url(payload)>.<base64url(Ed25519 signature)>`, payload
 * `{"c": card number, "e": expiry in Unix seconds, "k": key id}`, about 160
 * characters (163 for a 16-character card number): a QR code of version 9 at error correction M (180 bytes).
 *
 * Verification checks, in order: shape, key id known, signature, payload shape,
 * expiry (with a few seconds of grace for a scan taken as the token rolls over).
 * Revocation needs the database and is checked by the caller.
 */
import { sign, verify } from 'node:crypto';
import { z } from 'zod';
import { ECARD_TOKEN_PREFIX, type EcardVerifyReason } from '../../../domain/api/ecard';
import type { EcardKeys } from './ecard-keys';

/** A token that expired less than this long ago still verifies (clock skew between phone, gate and server). */
export const EXPIRY_GRACE_S = 5;

const PayloadSchema = z.object({
  c: z.string().min(1).max(32),
  e: z.number().int().positive(),
  k: z.string().min(1).max(32),
});

export interface SignedEcardToken {
  token: string;
  /** Unix seconds. */
  expiresAt: number;
}

export function signEcardToken(keys: EcardKeys, cardNumber: string, nowMs: number, ttlSeconds: number): SignedEcardToken {
  const expiresAt = Math.floor(nowMs / 1000) + ttlSeconds;
  const payload = Buffer.from(JSON.stringify({ c: cardNumber, e: expiresAt, k: keys.kid })).toString('base64url');
  const signed = `${ECARD_TOKEN_PREFIX}.${payload}`;
  const signature = sign(null, Buffer.from(signed, 'ascii'), keys.privateKey).toString('base64url');
  return { token: `${signed}.${signature}`, expiresAt };
}

export type TokenCheck =
  | { ok: true; cardNumber: string; expiresAt: number; kid: string }
  | { ok: false; reason: Extract<EcardVerifyReason, 'malformed' | 'bad_signature' | 'unknown_key' | 'not_yet_valid'> }
  | { ok: false; reason: 'expired'; cardNumber: string; expiresAt: number; kid: string };

const B64URL = /^[A-Za-z0-9_-]+$/;

function decodePayload(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

export function checkEcardToken(keys: EcardKeys, token: string, nowMs: number, maxTtlSeconds: number): TokenCheck {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || parts[0] !== ECARD_TOKEN_PREFIX || !B64URL.test(parts[1]!) || !B64URL.test(parts[2]!)) {
    return { ok: false, reason: 'malformed' };
  }
  // The key id is read before the signature is checked only to choose the key.
  const unverified = PayloadSchema.safeParse(decodePayload(parts[1]!));
  if (!unverified.success) return { ok: false, reason: 'malformed' };
  const key = keys.byKid.get(unverified.data.k);
  if (!key) return { ok: false, reason: 'unknown_key' };
  const signature = Buffer.from(parts[2]!, 'base64url');
  if (signature.length !== 64 || !verify(null, Buffer.from(`${parts[0]}.${parts[1]}`, 'ascii'), key.key, signature)) {
    return { ok: false, reason: 'bad_signature' };
  }
  const { c: cardNumber, e: expiresAt, k: kid } = unverified.data;
  const now = Math.floor(nowMs / 1000);
  if (expiresAt + EXPIRY_GRACE_S < now) return { ok: false, reason: 'expired', cardNumber, expiresAt, kid };
  // A genuine token never lives longer than the configured lifetime: one that does was signed with a wrong clock.
  if (expiresAt - now > maxTtlSeconds + EXPIRY_GRACE_S) return { ok: false, reason: 'not_yet_valid' };
  return { ok: true, cardNumber, expiresAt, kid };
}
