/**
 * The Ed25519 keys of electronic-card tokens.
 *
 * - Production: ECARD_SIGNING_KEY, base64 of the PKCS#8 DER (or a PKCS#8 PEM)
 *   of an Ed25519 private key (`openssl genpkey -algorithm ed25519 -outform DER | base64 -w0`).
 * - Development and tests without it: a key derived deterministically from
 *   SESSION_SECRET (HMAC-SHA256 of a fixed label as the 32-byte Ed25519 seed),
 *   so every process of one environment (API, workers, a second `npm run api`)
 *   signs with the same key and tokens survive restarts, with nothing kept in
 *   Redis. Production refuses to start without ECARD_SIGNING_KEY (a secret).
 *
 * The key id is the first 8 characters of base64url(SHA-256(SPKI DER)): derived
 * from the key, so it needs no configuration and a rotation changes it.
 * ECARD_PREVIOUS_PUBLIC_KEYS keeps retired public keys published and accepted.
 *
 * The sealing key (AES-256-GCM) that hides the card reference inside a token is
 * derived from the signing key (HKDF-SHA256 of its 32-byte seed), so it needs
 * no configuration of its own, never leaves the server, and rotates with it.
 */
import { createHash, createHmac, createPrivateKey, createPublicKey, hkdfSync, type KeyObject } from 'node:crypto';
import { DEVELOPMENT_SESSION_SECRET, type Config } from '../../../config';

/** DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface EcardPublicKey {
  kid: string;
  key: KeyObject;
  current: boolean;
}

export interface EcardKeys {
  kid: string;
  privateKey: KeyObject;
  /** AES-256 key sealing the card reference of the current key's tokens. */
  sealKey: Buffer;
  /** Current key first, then the previous ones. */
  publicKeys: EcardPublicKey[];
  byKid: Map<string, EcardPublicKey>;
}

export function ecardKid(publicKey: KeyObject): string {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64url').slice(0, 8);
}

/** An Ed25519 private key from its 32-byte seed. */
export function ed25519FromSeed(seed: Buffer): KeyObject {
  if (seed.length !== 32) throw new RangeError('an Ed25519 seed is 32 bytes');
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** The AES-256 key that seals card references, derived from the Ed25519 private key. */
export function ecardSealKey(privateKey: KeyObject): Buffer {
  const der = privateKey.export({ type: 'pkcs8', format: 'der' });
  if (der.length !== ED25519_PKCS8_PREFIX.length + 32 || !der.subarray(0, ED25519_PKCS8_PREFIX.length).equals(ED25519_PKCS8_PREFIX)) {
    throw new Error('ECARD_SIGNING_KEY: unexpected Ed25519 PKCS#8 encoding');
  }
  const seed = der.subarray(ED25519_PKCS8_PREFIX.length);
  return Buffer.from(hkdfSync('sha256', seed, 'educard/ecard', 'ecard-ref-seal/v1', 32));
}

function readPrivateKey(value: string): KeyObject {
  const key = value.includes('BEGIN')
    ? createPrivateKey(value)
    : createPrivateKey({ key: Buffer.from(value, 'base64'), format: 'der', type: 'pkcs8' });
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('ECARD_SIGNING_KEY must be an Ed25519 private key');
  return key;
}

function readPublicKey(value: string): KeyObject {
  const key = value.includes('BEGIN') ? createPublicKey(value) : createPublicKey({ key: Buffer.from(value, 'base64'), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('ECARD_PREVIOUS_PUBLIC_KEYS must hold Ed25519 public keys');
  return key;
}

/** The development key: derived from a SESSION_SECRET, so anyone who knows that secret can sign cards with it. */
export function derivedEcardKey(sessionSecret: string): KeyObject {
  return ed25519FromSeed(createHmac('sha256', sessionSecret).update('educard/ecard-signing-key/v1').digest());
}

/** True when the e-card tokens of this configuration are signed with a key derived from SESSION_SECRET (development). */
export function usesDerivedEcardKey(config: Pick<Config, 'ECARD_SIGNING_KEY'>): boolean {
  return !config.ECARD_SIGNING_KEY;
}

export function ecardKeysFromConfig(config: Pick<Config, 'ECARD_SIGNING_KEY' | 'ECARD_PREVIOUS_PUBLIC_KEYS' | 'SESSION_SECRET' | 'NODE_ENV'>): EcardKeys {
  let privateKey: KeyObject;
  if (config.ECARD_SIGNING_KEY) privateKey = readPrivateKey(config.ECARD_SIGNING_KEY);
  else if (config.NODE_ENV === 'production') throw new Error('ECARD_SIGNING_KEY is required in production');
  else privateKey = derivedEcardKey(config.SESSION_SECRET);

  if (config.NODE_ENV === 'production') {
    // Production never signs with, nor accepts, a key derived from a SESSION_SECRET (the public development one above all).
    const derivedKids = new Set([DEVELOPMENT_SESSION_SECRET, config.SESSION_SECRET].map((secret) => ecardKid(createPublicKey(derivedEcardKey(secret)))));
    if (derivedKids.has(ecardKid(createPublicKey(privateKey)))) throw new Error('ECARD_SIGNING_KEY is a development key derived from SESSION_SECRET: generate a real one');
    for (const value of config.ECARD_PREVIOUS_PUBLIC_KEYS) {
      if (derivedKids.has(ecardKid(readPublicKey(value)))) throw new Error('ECARD_PREVIOUS_PUBLIC_KEYS holds a development key derived from SESSION_SECRET');
    }
  }

  const current = createPublicKey(privateKey);
  const kid = ecardKid(current);
  const publicKeys: EcardPublicKey[] = [{ kid, key: current, current: true }];
  for (const value of config.ECARD_PREVIOUS_PUBLIC_KEYS) {
    const key = readPublicKey(value);
    const previousKid = ecardKid(key);
    if (!publicKeys.some((k) => k.kid === previousKid)) publicKeys.push({ kid: previousKid, key, current: false });
  }
  return { kid, privateKey, sealKey: ecardSealKey(privateKey), publicKeys, byKid: new Map(publicKeys.map((k) => [k.kid, k])) };
}
