import {
  ListReviewsResponseSchema,
  ReviewDecisionResponseSchema,
  ReviewDetailSchema,
  type DisputeDecisionRequest,
  type ReturnReviewRequest,
  type ReviewListStatus,
} from '../../../domain/api/reviews'
import { api } from './api-client'

/**
 * The reviewer's calls (domain/api/reviews.ts is the contract): the list of the
 * teacher's classes with counts, one review with the field comparison, and the
 * two decisions. A decision that lost a race answers 409.
 */

const enc = encodeURIComponent

export const REVIEW_PAGE_SIZE = 20

export function listReviews(query: { status: ReviewListStatus; classId?: string; page?: number }) {
  const parts = [`status=${enc(query.status)}`, `page=${query.page ?? 1}`, `pageSize=${REVIEW_PAGE_SIZE}`]
  if (query.classId) parts.push(`classId=${enc(query.classId)}`)
  return api.get(`/api/reviews?${parts.join('&')}`, ListReviewsResponseSchema)
}

export function getReview(versionId: string) {
  return api.get(`/api/reviews/${enc(versionId)}`, ReviewDetailSchema)
}

export function approveReview(versionId: string) {
  return api.post(`/api/reviews/${enc(versionId)}/approve`, {}, ReviewDecisionResponseSchema)
}

export function decideDispute(versionId: string, body: DisputeDecisionRequest) {
  return api.post(`/api/reviews/${enc(versionId)}/dispute`, body, ReviewDecisionResponseSchema)
}

export function returnReview(versionId: string, body: ReturnReviewRequest) {
  return api.post(`/api/reviews/${enc(versionId)}/return`, body, ReviewDecisionResponseSchema)
}
