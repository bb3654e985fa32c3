import { randomBytes } from 'node:crypto';
import { PiiCipher, PiiDecryptionError } from './pii';

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };
const blindIndexKey = randomBytes(32);

describe('PiiCipher', () => {
  const cipher = new PiiCipher({ keys: [k1], currentKeyId: 'k1', blindIndexKey });

  it('round-trips a value and never writes the plaintext into the token', () => {
    const token = cipher.encrypt('11010519491231002X', 'registry.resident_id');
    expect(token).toMatch(/^k1\.[A-Za-z0-9_-]+$/);
    expect(token).not.toContain('11010519491231002X');
    expect(cipher.decrypt(token, 'registry.resident_id')).toBe('11010519491231002X');
  });

  it('encrypts the same value differently every time (random IV)', () => {
    expect(cipher.encrypt('13812345678', 'accounts.phone')).not.toBe(cipher.encrypt('13812345678', 'accounts.phone'));
  });

  it('never repeats an IV across refills of its pool, and every token still decrypts', () => {
    const ivs = new Set<string>();
    const count = 10_000; // more than two refills of the IV pool
    for (let i = 0; i < count; i += 1) {
      const token = cipher.encrypt(`value ${i}`, 'accounts.phone');
      const sealed = Buffer.from(token.slice(token.indexOf('.') + 1), 'base64url');
      ivs.add(sealed.subarray(0, 12).toString('hex'));
      if (i % 997 === 0) expect(cipher.decrypt(token, 'accounts.phone')).toBe(`value ${i}`);
    }
    expect(ivs.size).toBe(count);
  });

  it('refuses a ciphertext moved to another column (context is authenticated)', () => {
    const token = cipher.encrypt('13812345678', 'accounts.phone');
    expect(() => cipher.decrypt(token, 'guardians.phone')).toThrow(PiiDecryptionError);
  });

  it('refuses a tampered ciphertext', () => {
    const token = cipher.encrypt('13812345678', 'accounts.phone');
    const body = Buffer.from(token.slice(3), 'base64url');
    body[14] = (body[14] ?? 0) ^ 1;
    expect(() => cipher.decrypt(`k1.${body.toString('base64url')}`, 'accounts.phone')).toThrow(PiiDecryptionError);
  });

  it('keeps data under an old key readable after a new key becomes current, and flags it for rotation', () => {
    const old = cipher.encrypt('13812345678', 'accounts.phone');
    const rotated = new PiiCipher({ keys: [k1, k2], currentKeyId: 'k2', blindIndexKey });
    expect(rotated.decrypt(old, 'accounts.phone')).toBe('13812345678');
    expect(rotated.needsRotation(old)).toBe(true);
    const fresh = rotated.encrypt('13812345678', 'accounts.phone');
    expect(fresh.startsWith('k2.')).toBe(true);
    expect(rotated.needsRotation(fresh)).toBe(false);
  });

  it('fails clearly on an unknown key id', () => {
    const other = new PiiCipher({ keys: [k2], currentKeyId: 'k2', blindIndexKey });
    expect(() => other.decrypt(cipher.encrypt('x', 'c'), 'c')).toThrow(/no key for id "k1"/);
  });

  it('computes a stable blind index per kind, without the value in it', () => {
    const a = cipher.blindIndex('resident_id', '11010519491231002X');
    expect(a).toBe(new PiiCipher({ keys: [k2], currentKeyId: 'k2', blindIndexKey }).blindIndex('resident_id', '11010519491231002X'));
    expect(a).not.toBe(cipher.blindIndex('phone', '11010519491231002X'));
    expect(a).not.toContain('1101');
  });
});
