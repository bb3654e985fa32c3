/**
 * The electronic education card (电子卡) API contract, shared by the server
 * routes and the mini-program pages (电子卡, staff 验证).
 *
 * The QR code carries a short-lived token signed with Ed25519 that names no
 * card, student or person:
 *
 *     EC2.<kid>.<expiry>.<sealed>.<signature>
 *       kid       key id (8 characters, GET /api/ecard/public-key)
 *       expiry    Unix seconds, decimal
 *       sealed    base64url(12-byte IV ‖ AES-256-GCM(16-byte random card reference) ‖ 16-byte tag),
 *                 a fresh IV per token: two tokens of one card share nothing a reader can link
 *       signature base64url(64-byte Ed25519 signature over the ASCII text before the last dot)
 *
 * Offline, anyone holding the public key of `kid` proves a token authentic and
 * unexpired (and learns nothing else). Which card it is, and whether it was
 * revoked, only the online verification (POST /api/ecard/verify, staff) says;
 * the card reference is a random value kept in the database (students.card_ref),
 * replaced when a card is reissued, and sealed under a key only the server holds.
 */
import { z } from 'zod';
import { codePointLength, removeControlCharacters } from '../text/normalize';

export const ECARD_TOKEN_PREFIX = 'EC2';

export const ECARD_STATUSES = ['valid', 'revoked', 'not_issued'] as const;
export type EcardStatus = (typeof ECARD_STATUSES)[number];

export const ECARD_STATUS_LABELS: Readonly<Record<EcardStatus, string>> = {
  valid: '有效',
  revoked: '已撤销',
  not_issued: '未发放',
};

export const ECARD_VERIFY_RESULTS = ['valid', 'expired', 'revoked', 'invalid'] as const;
export type EcardVerifyResult = (typeof ECARD_VERIFY_RESULTS)[number];

/** Why a token did not verify as valid; each has the Chinese text staff see. */
export const ECARD_VERIFY_REASONS = {
  valid: '电子教育卡有效',
  expired: '二维码已过期，请学生刷新电子卡后重新出示',
  revoked: '该电子教育卡已撤销',
  malformed: '二维码内容无法识别，不是电子教育卡',
  bad_signature: '二维码签名无效，可能被篡改或伪造',
  unknown_key: '二维码签名密钥未知（非本系统签发或密钥已停用）',
  unknown_card: '系统中没有这张电子教育卡',
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
  /** When and why the card was revoked (status revoked), for the family. */
  revokedAt: isoInstant.nullable(),
  revokedReason: z.string().nullable(),
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

/**
 * How much a verification tells: `details` (a valid card, verified by staff of
 * the card's own school: masked name, school, grade, class, masked card
 * number, token expiry) or `state_only` (everyone else, and every card that is
 * not valid: the result and its reason, every other field null).
 */
export const ECARD_VERIFY_SCOPES = ['details', 'state_only'] as const;
export type EcardVerifyScope = (typeof ECARD_VERIFY_SCOPES)[number];

export const EcardVerifyResponseSchema = z.object({
  result: z.enum(ECARD_VERIFY_RESULTS),
  reasonCode: z.enum(Object.keys(ECARD_VERIFY_REASONS) as [EcardVerifyReason, ...EcardVerifyReason[]]),
  reason: z.string(),
  scope: z.enum(ECARD_VERIFY_SCOPES),
  /** Only with scope `details`. */
  maskedName: z.string().nullable(),
  school: z.string().nullable(),
  grade: z.string().nullable(),
  class: z.string().nullable(),
  /** Masked (JY32********0116). */
  cardNumber: z.string().nullable(),
  expiresAt: isoInstant.nullable(),
});
export type EcardVerifyResponse = z.infer<typeof EcardVerifyResponseSchema>;

// POST /api/students/:studentId/ecard/revocation and /reissue (school admin of the card's school, operator)
export const MIN_CARD_ACTION_REASON_LENGTH = 2;
export const MAX_CARD_ACTION_REASON_LENGTH = 200;

/** Why a card is revoked or reissued: the family reads it on the card page. */
export const CardActionRequestSchema = z.strictObject({
  reason: z
    .string({ error: '请填写原因' })
    .transform((v) => removeControlCharacters(v).trim())
    // A lone UTF-16 surrogate is no text (and PostgreSQL's jsonb refuses it in the audit row).
    .refine((v) => !/\p{Cs}/u.test(v), { message: '原因含有无法识别的字符' })
    .refine((v) => codePointLength(v) >= MIN_CARD_ACTION_REASON_LENGTH && codePointLength(v) <= MAX_CARD_ACTION_REASON_LENGTH, {
      message: `原因应为 ${MIN_CARD_ACTION_REASON_LENGTH}–${MAX_CARD_ACTION_REASON_LENGTH} 个字`,
    }),
});
export type CardActionRequest = z.output<typeof CardActionRequestSchema>;

/** The card as staff see it after a revocation or a reissue. */
export const CardAdminViewSchema = z.object({
  studentId: z.uuid(),
  status: z.enum(ECARD_STATUSES),
  statusLabel: z.string(),
  cardNumber: z.string().nullable(),
  issuedAt: isoInstant.nullable(),
  revokedAt: isoInstant.nullable(),
  revokedReason: z.string().nullable(),
});
export type CardAdminView = z.infer<typeof CardAdminViewSchema>;
