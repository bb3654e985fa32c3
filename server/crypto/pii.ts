/**
 * Encryption of personal data at rest.
 *
 * - `encrypt` uses AES-256-GCM under the current key and writes the key id into
 *   the ciphertext (`<keyId>.<base64url(iv ‖ ciphertext ‖ tag)>`), so keys can
 *   rotate: old ciphertexts stay readable as long as their key is in the ring,
 *   and `needsRotation` tells a re-encryption job which ones to move.
 * - The `context` (e.g. "accounts.phone") is bound as additional authenticated
 *   data: a ciphertext copied into another column does not decrypt.
 * - `blindIndex` is an HMAC-SHA256 of the normalised value under a separate key,
 *   for equality look-ups (find the registry row of an ID number) without
 *   storing the value.
 */
import { createCipheriv, createDecipheriv, createHmac, randomFillSync } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** IVs drawn per refill of the pool. */
const IVS_PER_REFILL = 4096;

/**
 * Random 96-bit GCM nonces, drawn from the CSPRNG in blocks: one
 * `randomBytes(12)` costs about as much as the AES-GCM encryption it serves
 * (≈ 12 µs measured, most of it per-call overhead), one refill of 48 KiB a few
 * microseconds per IV less. Every byte is handed out once and the block is
 * refilled only after it was used up, so no IV repeats. The pool lives in this
 * process's memory only (worker threads and child processes each build their own).
 */
class IvPool {
  private readonly block = Buffer.allocUnsafe(IV_BYTES * IVS_PER_REFILL);
  private offset = this.block.length;

  next(): Buffer {
    if (this.offset + IV_BYTES > this.block.length) {
      randomFillSync(this.block);
      this.offset = 0;
    }
    const iv = this.block.subarray(this.offset, this.offset + IV_BYTES);
    this.offset += IV_BYTES;
    return iv;
  }
}

export interface PiiKeys {
  keys: { id: string; key: Uint8Array }[];
  currentKeyId: string;
  blindIndexKey: Uint8Array;
}

export class PiiDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PiiDecryptionError';
  }
}

export class PiiCipher {
  private readonly keys: Map<string, Uint8Array>;
  private readonly currentKeyId: string;
  private readonly blindIndexKey: Uint8Array;
  private readonly ivs = new IvPool();

  constructor(options: PiiKeys) {
    this.keys = new Map(options.keys.map((k) => [k.id, k.key]));
    if (!this.keys.has(options.currentKeyId)) throw new Error(`unknown current PII key id ${options.currentKeyId}`);
    if (options.blindIndexKey.length < 32) throw new Error('the blind index key must have at least 32 bytes');
    this.currentKeyId = options.currentKeyId;
    this.blindIndexKey = options.blindIndexKey;
  }

  encrypt(plaintext: string, context: string): string {
    const key = this.keys.get(this.currentKeyId)!;
    // The IV is a view into the pool: copied into `sealed` before the pool's next refill can overwrite it.
    const iv = this.ivs.next();
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = cipher.update(plaintext, 'utf8');
    const final = cipher.final();
    const sealed = Buffer.concat([iv, body, final, cipher.getAuthTag()]);
    return `${this.currentKeyId}.${sealed.toString('base64url')}`;
  }

  decrypt(token: string, context: string): string {
    const dot = token.indexOf('.');
    const keyId = dot > 0 ? token.slice(0, dot) : '';
    const key = this.keys.get(keyId);
    if (!key) throw new PiiDecryptionError(`no key for id "${keyId}"`);
    const sealed = Buffer.from(token.slice(dot + 1), 'base64url');
    if (sealed.length < IV_BYTES + TAG_BYTES) throw new PiiDecryptionError('ciphertext too short');
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new PiiDecryptionError('ciphertext does not authenticate (wrong key, context or tampered data)');
    }
  }

  /** True when the token was encrypted under a key other than the current one. */
  needsRotation(token: string): boolean {
    return !token.startsWith(`${this.currentKeyId}.`);
  }

  /** Equality look-up key of an already normalised value; `kind` separates the index spaces (resident_id, phone). */
  blindIndex(kind: string, normalisedValue: string): string {
    return createHmac('sha256', this.blindIndexKey).update(`${kind}\u0000${normalisedValue}`, 'utf8').digest('base64url');
  }
}
