import { z } from 'zod';
import { StudentIdParamsSchema } from '../../../../domain/api/profiles';
import {
  CardActionRequestSchema,
  CardAdminViewSchema,
  EcardPublicKeysSchema,
  EcardVerifyRequestSchema,
  EcardVerifyResponseSchema,
  EcardViewSchema,
} from '../../../../domain/api/ecard';
import { ecardPublicKeys, getStudentEcard, reissueStudentCard, revokeStudentCard, verifyEcard } from '../../../services/ecard/ecard';
import { defineRoute } from '../../route';
import { noStore, requestMeta } from '../auth/request-meta';

export const getStudentEcardRoute = defineRoute({
  method: 'get',
  path: '/api/students/:studentId/ecard',
  operationId: 'getStudentEcard',
  summary: "The family's electronic card of one student, with a fresh QR token",
  tags: ['ecard'],
  access: 'authenticated',
  params: StudentIdParamsSchema,
  responses: {
    200: { description: 'The card; token only while the card is valid', schema: EcardViewSchema },
    404: { description: 'NOT_FOUND: not a student of this account' },
  },
  handler: async ({ koa, app, auth, input }) => {
    const view = await getStudentEcard(app, auth!.account.id, input.params.studentId);
    noStore(koa);
    koa.body = view;
  },
});

export const getEcardPublicKey = defineRoute({
  method: 'get',
  path: '/api/ecard/public-key',
  operationId: 'getEcardPublicKey',
  summary: 'The Ed25519 public keys that verify card tokens offline (JWK with kid, and PEM)',
  tags: ['ecard'],
  access: 'public',
  responses: { 200: { description: 'Current key first, then retired keys still accepted', schema: EcardPublicKeysSchema } },
  handler: ({ koa, app }) => {
    koa.set('Cache-Control', 'public, max-age=300');
    koa.body = ecardPublicKeys(app);
  },
});

/**
 * The verify body, plus `at` for tests outside production: a browser test shows
 * "expired after its lifetime" by asking for the verdict at a later instant
 * instead of sleeping. `at` only ever moves the instant forward (an earlier one
 * counts as now), and NODE_ENV=production ignores it, so a client can never
 * make an expired token valid again.
 */
export const EcardVerifyBodySchema = EcardVerifyRequestSchema.extend({
  at: z.iso
    .datetime({ offset: true })
    .optional()
    .describe(
      'Outside production only (NODE_ENV≠production): verify as if it were this ISO 8601 instant when it is later than the server clock, for tests. An earlier instant counts as now; ignored in production.',
    ),
});

export const postEcardVerify = defineRoute({
  method: 'post',
  path: '/api/ecard/verify',
  operationId: 'verifyEcard',
  summary: 'Staff: verify a scanned or pasted card token (valid / expired / revoked / invalid); details only for staff of the card’s school',
  tags: ['ecard'],
  access: { roles: ['teacher', 'school_admin', 'operator'] },
  body: EcardVerifyBodySchema,
  responses: {
    200: {
      description: 'The verdict with its reason; masked name, school, grade, class and card number only for a valid card verified by staff of its own school (scope details)',
      schema: EcardVerifyResponseSchema,
    },
    403: { description: 'FORBIDDEN: not staff' },
    429: { description: 'RATE_LIMITED: more than ECARD_VERIFY_PER_MINUTE verifications by this account in a minute (Retry-After)' },
  },
  handler: async ({ koa, app, auth, input }) => {
    const result = await verifyEcard(app, auth!.account, input.body.token, requestMeta(koa), { at: input.body.at });
    noStore(koa);
    koa.body = result;
  },
});

export const postEcardRevocation = defineRoute({
  method: 'post',
  path: '/api/students/:studentId/ecard/revocation',
  operationId: 'revokeEcard',
  summary: "School admin of the card's school or operator: revoke a student's electronic card with a reason the family reads",
  tags: ['ecard'],
  access: { roles: ['school_admin', 'operator'] },
  params: StudentIdParamsSchema,
  body: CardActionRequestSchema,
  responses: {
    200: { description: 'The card, now revoked; its tokens verify as revoked', schema: CardAdminViewSchema },
    403: { description: 'FORBIDDEN: not a school admin or operator' },
    404: { description: 'NOT_FOUND: no such student, or a student of another school' },
    409: { description: 'ECARD_NOT_ISSUED or ECARD_ALREADY_REVOKED' },
  },
  handler: async ({ koa, app, auth, input }) => {
    koa.body = await revokeStudentCard(app, auth!.account, input.params.studentId, input.body.reason, requestMeta(koa));
    noStore(koa);
  },
});

export const postEcardReissue = defineRoute({
  method: 'post',
  path: '/api/students/:studentId/ecard/reissue',
  operationId: 'reissueEcard',
  summary: "School admin of the card's school or operator: reissue a revoked card (new card number and card reference)",
  tags: ['ecard'],
  access: { roles: ['school_admin', 'operator'] },
  params: StudentIdParamsSchema,
  body: CardActionRequestSchema,
  responses: {
    200: { description: 'The new card, valid; tokens of the old card stay revoked', schema: CardAdminViewSchema },
    403: { description: 'FORBIDDEN: not a school admin or operator' },
    404: { description: 'NOT_FOUND: no such student, or a student of another school' },
    409: { description: 'ECARD_NOT_ISSUED, ECARD_NOT_REVOKED or ECARD_NOT_REISSUABLE (no approved identity held by this student alone)' },
  },
  handler: async ({ koa, app, auth, input }) => {
    koa.body = await reissueStudentCard(app, auth!.account, input.params.studentId, input.body.reason, requestMeta(koa));
    noStore(koa);
  },
});
