/**
 * /api/reviews: the head teacher's review (roles teacher, school_admin). A
 * teacher sees the classes they are head teacher of, a school administrator
 * every class of the school; another class of the same school answers 403, a
 * version of another school 404. Every detail view and decision is audited.
 */
import {
  DisputeDecisionRequestSchema,
  ListReviewsQuerySchema,
  ListReviewsResponseSchema,
  ReturnReviewRequestSchema,
  ReviewDecisionResponseSchema,
  ReviewDetailSchema,
  VersionIdParamsSchema,
  returnReason,
} from '../../../../domain/api/reviews';
import { decideReview, getReviewDetail, listReviews } from '../../../services/reviews/reviews';
import { decideDispute } from '../../../services/reviews/disputes';
import { defineRoute, type AuthState } from '../../route';
import { noStore, requestMeta } from '../auth/request-meta';

const access = { roles: ['teacher', 'school_admin'] as const };
const tags = ['reviews'];

function reviewerOf(auth: AuthState | null) {
  return { id: auth!.account.id, role: auth!.account.role, schoolId: auth!.account.schoolId };
}

const decisionResponses = {
  200: { description: 'Decided', schema: ReviewDecisionResponseSchema },
  403: { description: 'FORBIDDEN: a class of the school the caller does not review' },
  404: { description: 'NOT_FOUND' },
  409: { description: 'REVIEW_TRANSITION_FORBIDDEN (already decided, e.g. by a concurrent decision) or ID_ALREADY_APPROVED' },
};

export const getReviews = defineRoute({
  method: 'get',
  path: '/api/reviews',
  operationId: 'listReviews',
  summary: "Submissions of the caller's classes in one status (待审核 / 已退回 / 已通过), counts per class; names masked",
  tags,
  access,
  query: ListReviewsQuerySchema,
  responses: { 200: { description: 'Newest status change first, paged', schema: ListReviewsResponseSchema } },
  handler: async ({ koa, app, auth, input }) => {
    noStore(koa);
    koa.body = await listReviews(app, reviewerOf(auth), input.query);
  },
});

export const getReview = defineRoute({
  method: 'get',
  path: '/api/reviews/:versionId',
  operationId: 'getReview',
  summary: 'Submitted vs registry values, differing fields flagged, IDs masked (audited as review.view)',
  tags,
  access,
  params: VersionIdParamsSchema,
  responses: {
    200: { description: 'The submission', schema: ReviewDetailSchema },
    403: { description: 'FORBIDDEN' },
    404: { description: 'NOT_FOUND' },
  },
  handler: async ({ koa, app, auth, input }) => {
    const detail = await getReviewDetail(app, reviewerOf(auth), input.params.versionId, requestMeta(koa));
    noStore(koa);
    koa.body = detail;
  },
});

export const postApprove = defineRoute({
  method: 'post',
  path: '/api/reviews/:versionId/approve',
  operationId: 'approveReview',
  summary: 'Approve: the student is authenticated and, at the first approval, gets the education card number',
  tags,
  access,
  params: VersionIdParamsSchema,
  responses: decisionResponses,
  handler: async ({ koa, app, auth, input }) => {
    koa.body = await decideReview(app, reviewerOf(auth), input.params.versionId, { type: 'approve' }, requestMeta(koa));
  },
});

export const postReturn = defineRoute({
  method: 'post',
  path: '/api/reviews/:versionId/return',
  operationId: 'returnReview',
  summary: 'Return with a reason (preset + text; 其他 needs the text); the family corrects and resubmits',
  tags,
  access,
  params: VersionIdParamsSchema,
  body: ReturnReviewRequestSchema,
  responses: { ...decisionResponses, 400: { description: 'VALIDATION_FAILED: body.reasonPreset / body.reasonText' } },
  handler: async ({ koa, app, auth, input }) => {
    const reason = returnReason(input.body);
    koa.body = await decideReview(app, reviewerOf(auth), input.params.versionId, { type: 'return', reason }, requestMeta(koa));
  },
});

export const postDispute = defineRoute({
  method: 'post',
  path: '/api/reviews/:versionId/dispute',
  operationId: 'decideDispute',
  summary: '身份申诉: keep the card where it is (the claim is returned) or transfer it (the holder\'s card is revoked, the claim approved); both families told',
  tags,
  access,
  params: VersionIdParamsSchema,
  body: DisputeDecisionRequestSchema,
  responses: { ...decisionResponses, 400: { description: 'VALIDATION_FAILED: body.decision / body.note' } },
  handler: async ({ koa, app, auth, input }) => {
    koa.body = await decideDispute(app, reviewerOf(auth), input.params.versionId, input.body, requestMeta(koa));
  },
});
