import {
  EcardVerifyRequestSchema,
  EcardVerifyResponseSchema,
  EcardViewSchema,
  type EcardVerifyResponse,
  type EcardView,
} from '../../../domain/api/ecard'
import type { AccountRole } from '../../../domain/api/account'
import { api } from './api-client'
import { checkRequest } from './auth'

/**
 * The electronic education card (domain/api/ecard.ts is the contract): the
 * family's card with a fresh QR token, and the staff verification of a
 * scanned or pasted token.
 */

const enc = encodeURIComponent

/** Who may verify a card (POST /api/ecard/verify answers 403 to anyone else). */
export const VERIFIER_ROLES: ReadonlySet<AccountRole> = new Set<AccountRole>(['teacher', 'school_admin', 'operator'])

/** GET /api/students/:studentId/ecard: the card, with a token while it is valid. */
export function getEcard(studentId: string): Promise<EcardView> {
  return api.get(`/api/students/${enc(studentId)}/ecard`, EcardViewSchema)
}

/** POST /api/ecard/verify (teacher, school admin, operator). */
export function verifyEcardToken(token: string): Promise<EcardVerifyResponse> {
  const body = checkRequest(EcardVerifyRequestSchema, { token })
  return api.post('/api/ecard/verify', body, EcardVerifyResponseSchema)
}

/** 3200 0000 0000 1234: the card number in groups of four, for reading aloud. */
export function formatCardNumber(cardNumber: string): string {
  return cardNumber.replace(/(.{4})(?=.)/g, '$1 ')
}
