import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { ecardKeysFromConfig } from './ecard-keys';
import { checkEcardToken, signEcardToken } from './ecard-token';

const TTL = 60;

function keysOf(privateKey: string, previous: string[] = []) {
  return ecardKeysFromConfig({ ECARD_SIGNING_KEY: privateKey, ECARD_PREVIOUS_PUBLIC_KEYS: previous, SESSION_SECRET: 'x'.repeat(32), NODE_ENV: 'test' });
}

function newKey() {
  const pair = generateKeyPairSync('ed25519');
  return {
    privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
    publicKey: pair.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

describe('card tokens', () => {
  const now = Date.UTC(2026, 11, 3, 8, 0, 0);

  it('When a token is signed, Then it unseals to its card reference with the current key, and to nothing under another key', () => {
    const key = newKey();
    const keys = keysOf(key.privateKey);
    const ref = randomUUID();
    const { token } = signEcardToken(keys, ref, now, TTL);
    expect(checkEcardToken(keys, token, now, TTL)).toMatchObject({ ok: true, cardRef: ref, kid: keys.kid });
    expect(checkEcardToken(keysOf(newKey().privateKey), token, now, TTL)).toEqual({ ok: false, reason: 'unknown_key' });
  });

  it('When the signing key was rotated, Then a fresh token of the previous key is authentic but answered as expired (it cannot be unsealed any more)', () => {
    const old = newKey();
    const token = signEcardToken(keysOf(old.privateKey), randomUUID(), now, TTL).token;
    const rotated = keysOf(newKey().privateKey, [old.publicKey]);
    expect(checkEcardToken(rotated, token, now, TTL)).toMatchObject({ ok: false, reason: 'expired', cardRef: null });
  });

  it('When a token was signed with a clock far ahead, Then not_yet_valid; past its lifetime plus grace, expired with its reference', () => {
    const keys = keysOf(newKey().privateKey);
    const ref = randomUUID();
    const ahead = signEcardToken(keys, ref, now + 10 * 60_000, TTL).token;
    expect(checkEcardToken(keys, ahead, now, TTL)).toEqual({ ok: false, reason: 'not_yet_valid' });
    const token = signEcardToken(keys, ref, now, TTL).token;
    expect(checkEcardToken(keys, token, now + (TTL + 5) * 1000, TTL).ok).toBe(true);
    expect(checkEcardToken(keys, token, now + (TTL + 6) * 1000, TTL)).toMatchObject({ ok: false, reason: 'expired', cardRef: ref });
  });
});
