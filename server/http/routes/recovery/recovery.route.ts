/**
 * /api/recovery-requests: manual account recovery (人工找回) as the staff see it.
 * A head teacher sees the requests about accounts holding a student of a class
 * they are head teacher of; a school admin those of any class of the school
 * (and of the school's staff accounts). Out of scope and unknown alike: 404.
 * Every decision is audited; an approval takes effect after RECOVERY_WAIT_HOURS.
 */
import { z } from 'zod';
import {
  RecoveryDecisionResponseSchema,
  RecoveryRejectRequestSchema,
  RecoveryRequestListQuerySchema,
  RecoveryRequestListResponseSchema,
} from '../../../../domain/api/auth';
import { errorMessage } from '../../../../domain/errors';
import { decideRecoveryRequest, listRecoveryRequests } from '../../../services/accounts/recovery-requests';
import { defineRoute, type AnyRoute, type AuthState } from '../../route';
import { noStore, requestMeta } from '../auth/request-meta';

const access = { roles: ['teacher', 'school_admin', 'operator'] as const };
const tags = ['recovery'];
const RequestIdParamsSchema = z.strictObject({ requestId: z.uuid({ error: errorMessage('NOT_FOUND') }) });

function deciderOf(auth: AuthState | null) {
  return { id: auth!.account.id, role: auth!.account.role, schoolId: auth!.account.schoolId };
}

const decisionResponses = {
  200: { description: 'Decided', schema: RecoveryDecisionResponseSchema },
  404: { description: 'RECOVERY_NOT_FOUND (also out of the caller\'s scope)' },
  409: { description: 'RECOVERY_DECIDED: already decided, cancelled or completed' },
};

export const getRecoveryRequests = defineRoute({
  method: 'get',
  path: '/api/recovery-requests',
  operationId: 'listRecoveryRequests',
  summary: "Manual recovery requests of the caller's classes or school, newest first; usernames, phones and names masked",
  tags,
  access,
  query: RecoveryRequestListQuerySchema,
  responses: { 200: { description: 'Paged', schema: RecoveryRequestListResponseSchema } },
  handler: async ({ koa, app, auth, input }) => {
    noStore(koa);
    koa.body = await listRecoveryRequests(app, deciderOf(auth), input.query);
  },
});

export const postRecoveryApprove = defineRoute({
  method: 'post',
  path: '/api/recovery-requests/:requestId/approve',
  operationId: 'approveRecoveryRequest',
  summary: 'The person is who they say (checked by phone or in person): the request takes effect after the waiting period',
  tags,
  access,
  params: RequestIdParamsSchema,
  responses: decisionResponses,
  handler: async ({ koa, app, auth, input }) => {
    noStore(koa);
    koa.body = await decideRecoveryRequest(app, deciderOf(auth), input.params.requestId, { approve: true }, requestMeta(koa));
  },
});

export const postRecoveryReject = defineRoute({
  method: 'post',
  path: '/api/recovery-requests/:requestId/reject',
  operationId: 'rejectRecoveryRequest',
  summary: 'Refuse a manual recovery request with a reason',
  tags,
  access,
  params: RequestIdParamsSchema,
  body: RecoveryRejectRequestSchema,
  responses: decisionResponses,
  handler: async ({ koa, app, auth, input }) => {
    noStore(koa);
    koa.body = await decideRecoveryRequest(app, deciderOf(auth), input.params.requestId, { approve: false, reason: input.body.reason }, requestMeta(koa));
  },
});

export const recoveryRoutes: AnyRoute[] = [getRecoveryRequests, postRecoveryApprove, postRecoveryReject];
