/**
 * Verifying and opening a WeChat Pay notification (DOMAIN.md §4):
 *
 * 1. the signature: SHA256withRSA over `timestamp\nnonce\nbody\n`, built from
 *    the RAW request body (a re-serialised body does not verify), with the key
 *    the `Wechatpay-Serial` header names (platform certificate serial or
 *    `PUB_KEY_ID_…`);
 * 2. the timestamp: within ±maxSkewSeconds of now (a replayed old
 *    notification is refused even with its genuine signature);
 * 3. the resource: AEAD_AES_256_GCM with the APIv3 key, the 12-byte nonce and
 *    associated_data as AAD; a changed byte fails the tag check and throws.
 */
import { Aes, Formatter, Rsa } from 'wechatpay-axios-plugin';
import { z } from 'zod';
import { verificationKeyFor, type VerificationKeyKind, type WechatPayKeys } from './wechatpay-keys';

export const NotificationEnvelopeSchema = z.object({
  id: z.string().min(1).max(64),
  create_time: z.string().optional(),
  event_type: z.string().min(1).max(64),
  resource_type: z.string().optional(),
  summary: z.string().optional(),
  resource: z.object({
    algorithm: z.literal('AEAD_AES_256_GCM'),
    ciphertext: z.string().min(1),
    nonce: z.string().min(1),
    associated_data: z.string().optional().default(''),
    original_type: z.string().optional(),
  }),
});
export type NotificationEnvelope = z.infer<typeof NotificationEnvelopeSchema>;

export interface NotificationHeaders {
  serial: string | undefined;
  signature: string | undefined;
  timestamp: string | undefined;
  nonce: string | undefined;
}

export type SignatureProblem = 'missing_headers' | 'unknown_serial' | 'bad_signature' | 'stale_timestamp';

export type SignatureCheck = { ok: true; keyKind: VerificationKeyKind } | { ok: false; problem: SignatureProblem };

export function checkNotificationSignature(
  keys: Pick<WechatPayKeys, 'verification'>,
  headers: NotificationHeaders,
  rawBody: string,
  options: { nowMs: number; maxSkewSeconds: number },
): SignatureCheck {
  const { serial, signature, timestamp, nonce } = headers;
  if (!serial || !signature || !timestamp || !nonce || !/^\d{1,12}$/.test(timestamp)) return { ok: false, problem: 'missing_headers' };
  const key = verificationKeyFor(keys, serial);
  if (!key) return { ok: false, problem: 'unknown_serial' };
  let verified = false;
  try {
    verified = Rsa.verify(Formatter.response(timestamp, nonce, rawBody), signature, key.key);
  } catch {
    verified = false;
  }
  if (!verified) return { ok: false, problem: 'bad_signature' };
  // Checked after the signature: only a genuine timestamp is worth judging.
  if (Math.abs(Math.floor(options.nowMs / 1000) - Number(timestamp)) > options.maxSkewSeconds) return { ok: false, problem: 'stale_timestamp' };
  return { ok: true, keyKind: key.kind };
}

/** The decrypted resource as JSON; throws when the ciphertext, nonce or associated data were changed. */
export function decryptNotificationResource(resource: NotificationEnvelope['resource'], apiV3Key: Buffer): unknown {
  const plaintext = Aes.AesGcm.decrypt(resource.ciphertext, apiV3Key, resource.nonce, resource.associated_data ?? '');
  return JSON.parse(plaintext);
}
