/**
 * The electronic education card (电子卡) API contract, shared by the server
 * routes and the mini-program pages (电子卡, staff 验证).
 *
 * The QR code carries a short-lived token signed with Ed25519:
 *
 *     EC1.<base64url(payload JSON)>.<base64url(64-byte signature)>
 *     payload: {"c": card number, "e": expiry (Unix seconds), "k": key id}
 *
 * The signature covers the ASCII bytes of `EC1.<base64url(payload)>`. Anyone
 * holding the public key of `k` (GET /api/ecard/public-key) can check a token
 * offline; whether the card was revoked after issue needs POST /api/ecard/verify.
 */
import { z } from 'zod';

export const ECARD_TOKEN_PREFIX = 'EC1';

export const ECARD_STATUSES = ['valid', 'revoked', 'not_issued'] as const;
export type EcardStatus = (typeof ECARD_STATUSES)[number];

export const ECARD_STATUS_LABELS: Readonly<Record<EcardStatus, string>> = {
  valid: '有效',
  revoked: '已注销',
  not_issued: '未发放',
};

export const ECARD_VERIFY_RESULTS = ['valid', 'expired', 'revoked', 'invalid'] as const;
export type EcardVerifyResult = (typeof ECARD_VERIFY_RESULTS)[number];

/** Why a token did not verify as valid; each has the Chinese text staff see. */
export const ECARD_VERIFY_REASONS = {
  valid: '电子教育卡有效',
  expired: '二维码已过期，请学生刷新电子卡后重新出示',
  revoked: '该电子教育卡已注销',
  malformed: '二维码内容无法识别，不是电子教育卡',
  bad_signature: '二维码签名无效，可能被篡改或伪造',
  unknown_key: '二维码签名密钥未知（非本系统签发或密钥已停用）',
  unknown_card: '卡号不存在',
  not_yet_valid: '二维码的有效期异常，请学生刷新电子卡',
} as const;
export type EcardVerifyReason = keyof typeof ECARD_VERIFY_REASONS;

const isoInstant = z.string().describe('ISO 8601 instant (UTC)');

// GET /api/students/:studentId/ecard
export const EcardViewSchema = z.object({
  studentId: z.uuid(),
  /** The family sees its own child's full name. */
  name: z.string().nullable(),
  schoolName: z.string().nullable(),
  grade: z.string().nullable(),
  gradeLabel: z.string().nullable(),
  className: z.string().nullable(),
  cardNumber: z.string().nullable(),
  issuedAt: isoInstant.nullable(),
  status: z.enum(ECARD_STATUSES),
  statusLabel: z.string(),
  /** e.g. 2026-2027学年第一学期 (the latest semester opened) or 2025-2026学年 (the school year) */
  validity: z.string(),
  /** Present only while the card is valid. */
  token: z.string().nullable(),
  tokenExpiresAt: isoInstant.nullable(),
  /** Seconds the page may show the token before fetching a new one (a little under its lifetime). */
  refreshInSeconds: z.number().int().nullable(),
});
export type EcardView = z.infer<typeof EcardViewSchema>;

// GET /api/ecard/public-key
export const EcardPublicKeySchema = z.object({
  kid: z.string(),
  /** JWK (RFC 8037): {kty: 'OKP', crv: 'Ed25519', x, kid, alg: 'EdDSA', use: 'sig'} */
  jwk: z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string(), kid: z.string(), alg: z.literal('EdDSA'), use: z.literal('sig') }),
  /** SPKI PEM */
  pem: z.string(),
  current: z.boolean(),
});
export const EcardPublicKeysSchema = z.object({
  tokenFormat: z.string(),
  keys: z.array(EcardPublicKeySchema),
});
export type EcardPublicKeys = z.infer<typeof EcardPublicKeysSchema>;

// POST /api/ecard/verify
export const EcardVerifyRequestSchema = z.strictObject({
  /** The scanned or pasted QR text. */
  token: z.string().trim().min(1).max(512),
});
export type EcardVerifyRequest = z.infer<typeof EcardVerifyRequestSchema>;

export const EcardVerifyResponseSchema = z.object({
  result: z.enum(ECARD_VERIFY_RESULTS),
  reasonCode: z.enum(Object.keys(ECARD_VERIFY_REASONS) as [EcardVerifyReason, ...EcardVerifyReason[]]),
  reason: z.string(),
  /** Known only when the signature checked out and the card exists. */
  maskedName: z.string().nullable(),
  school: z.string().nullable(),
  grade: z.string().nullable(),
  class: z.string().nullable(),
  cardNumber: z.string().nullable(),
  expiresAt: isoInstant.nullable(),
});
export type EcardVerifyResponse = z.infer<typeof EcardVerifyResponseSchema>;
