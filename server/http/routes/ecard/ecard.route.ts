import { z } from 'zod';
import { StudentIdParamsSchema } from '../../../../domain/api/profiles';
import { EcardPublicKeysSchema, EcardVerifyRequestSchema, EcardVerifyResponseSchema, EcardViewSchema } from '../../../../domain/api/ecard';
import { ecardPublicKeys, getStudentEcard, verifyEcard } from '../../../services/ecard/ecard';
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
 * instead of sleeping. With NODE_ENV=production `at` is ignored (the server's
 * clock decides), so a client can never make an expired token valid again.
 */
export const EcardVerifyBodySchema = EcardVerifyRequestSchema.extend({
  at: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('Outside production only (NODE_ENV≠production): verify as if it were this ISO 8601 instant, for tests. Ignored in production.'),
});

export const postEcardVerify = defineRoute({
  method: 'post',
  path: '/api/ecard/verify',
  operationId: 'verifyEcard',
  summary: 'Staff: verify a scanned or pasted card token (valid / expired / revoked / invalid)',
  tags: ['ecard'],
  access: { roles: ['teacher', 'school_admin', 'operator'] },
  body: EcardVerifyBodySchema,
  responses: {
    200: { description: 'The verdict with its reason; masked name, school, grade and class when known', schema: EcardVerifyResponseSchema },
    403: { description: 'FORBIDDEN: not staff' },
  },
  handler: async ({ koa, app, auth, input }) => {
    const result = await verifyEcard(app, auth!.account, input.body.token, requestMeta(koa), { at: input.body.at });
    noStore(koa);
    koa.body = result;
  },
});
