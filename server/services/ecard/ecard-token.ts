/**
 * Electronic-card tokens (format in domain/api/ecard.ts):
 *
 *     EC2.<kid>.<expiry>.<sealed>.<signature>
 *
 * `sealed` is base64url(IV ‖ AES-256-GCM(card reference) ‖ tag) with a fresh
 * 12-byte IV per token and the text `EC2.<kid>.<expiry>` as additional data;
 * the Ed25519 signature covers the ASCII bytes of everything before the last
 * dot. A token is 170 characters: a QR code of version 9 at error correction M
 * (180 bytes).
 *
 * Why sealed and not merely signed: a card reference in clear would be a
 * stable identifier every gate, camera or photo of the QR could collect and
 * link (the card number was exactly that, issue 12). Sealed, two tokens of
 * one card look unrelated; only this server, holding the sealing key derived
 * from the signing key, learns which card a token is. The signature still lets
 * anyone with the published public key check authenticity and expiry offline.
 *
 * Checking, in order: shape, key id known, signature, expiry (a few seconds of
 * grace for a scan taken as the token rolls over), lifetime not longer than
 * configured, then unsealing (current key only). Revocation and the card
 * behind the reference need the database and are the caller's.
 */
import { createCipheriv, createDecipheriv, randomBytes, sign, verify } from 'node:crypto';
import { ECARD_TOKEN_PREFIX, type EcardVerifyReason } from '../../../domain/api/ecard';
import type { EcardKeys } from './ecard-keys';

/** A token that expired less than this long ago still verifies (clock skew between phone, gate and server). */
export const EXPIRY_GRACE_S = 5;

const IV_BYTES = 12;
const TAG_BYTES = 16;
const REF_BYTES = 16;
const SEALED_BYTES = IV_BYTES + REF_BYTES + TAG_BYTES;

export interface SignedEcardToken {
  token: string;
  /** Unix seconds. */
  expiresAt: number;
}

function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replaceAll('-', '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new RangeError('a card reference is a UUID');
  return Buffer.from(hex, 'hex');
}

function bytesUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A token for card reference `cardRef` (students.card_ref), valid for `ttlSeconds` from `nowMs`. */
export function signEcardToken(keys: EcardKeys, cardRef: string, nowMs: number, ttlSeconds: number): SignedEcardToken {
  const expiresAt = Math.floor(nowMs / 1000) + ttlSeconds;
  const header = `${ECARD_TOKEN_PREFIX}.${keys.kid}.${expiresAt}`;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keys.sealKey, iv);
  cipher.setAAD(Buffer.from(header, 'ascii'));
  const sealed = Buffer.concat([iv, cipher.update(uuidBytes(cardRef)), cipher.final(), cipher.getAuthTag()]).toString('base64url');
  const signed = `${header}.${sealed}`;
  const signature = sign(null, Buffer.from(signed, 'ascii'), keys.privateKey).toString('base64url');
  return { token: `${signed}.${signature}`, expiresAt };
}

type InvalidReason = Extract<EcardVerifyReason, 'malformed' | 'bad_signature' | 'unknown_key' | 'not_yet_valid'>;

export type TokenCheck =
  | { ok: true; cardRef: string; expiresAt: number; kid: string }
  | { ok: false; reason: InvalidReason }
  /** Authentic but past its lifetime; `cardRef` when it could be unsealed (so a revocation can still win). */
  | { ok: false; reason: 'expired'; cardRef: string | null; expiresAt: number; kid: string };

const B64URL = /^[A-Za-z0-9_-]+$/;
const KID = /^[A-Za-z0-9_-]{1,32}$/;
const EXPIRY = /^[1-9]\d{0,11}$/;

function unseal(keys: EcardKeys, header: string, sealedPart: string): string | null {
  const sealed = Buffer.from(sealedPart, 'base64url');
  if (sealed.length !== SEALED_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keys.sealKey, sealed.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(header, 'ascii'));
    decipher.setAuthTag(sealed.subarray(IV_BYTES + REF_BYTES));
    return bytesUuid(Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, IV_BYTES + REF_BYTES)), decipher.final()]));
  } catch {
    return null;
  }
}

export function checkEcardToken(keys: EcardKeys, token: string, nowMs: number, maxTtlSeconds: number): TokenCheck {
  const parts = token.trim().split('.');
  if (parts.length !== 5) return { ok: false, reason: 'malformed' };
  const [prefix, kid, expiry, sealed, signaturePart] = parts as [string, string, string, string, string];
  if (prefix !== ECARD_TOKEN_PREFIX || !KID.test(kid) || !EXPIRY.test(expiry) || !B64URL.test(sealed) || !B64URL.test(signaturePart)) {
    return { ok: false, reason: 'malformed' };
  }
  const key = keys.byKid.get(kid);
  if (!key) return { ok: false, reason: 'unknown_key' };
  const signature = Buffer.from(signaturePart, 'base64url');
  const header = `${prefix}.${kid}.${expiry}`;
  if (signature.length !== 64 || !verify(null, Buffer.from(`${header}.${sealed}`, 'ascii'), key.key, signature)) {
    return { ok: false, reason: 'bad_signature' };
  }
  const expiresAt = Number(expiry);
  const now = Math.floor(nowMs / 1000);
  // Only the current key's tokens can be unsealed: a token of a retired key (signed before a rotation) is at most
  // one lifetime old; it is answered as expired, which tells the gate the right thing (show a fresh code).
  const cardRef = key.current ? unseal(keys, header, sealed) : null;
  if (expiresAt + EXPIRY_GRACE_S < now || !key.current) return { ok: false, reason: 'expired', cardRef, expiresAt, kid };
  // A genuine token never lives longer than the configured lifetime: one that does was signed with a wrong clock.
  if (expiresAt - now > maxTtlSeconds + EXPIRY_GRACE_S) return { ok: false, reason: 'not_yet_valid' };
  // Signed by us but not sealed by us: never happens unless the signing key leaked without the server.
  if (!cardRef) return { ok: false, reason: 'bad_signature' };
  return { ok: true, cardRef, expiresAt, kid };
}
