/**
 * Console sign-in (server/services/console/console-auth.ts): the password
 * step answers a challenge and sends an SMS code to the bound phone; the code
 * step opens a short console session. Then me, the password change (the only
 * route open to an account whose password was generated) and logout.
 */
import {
  CONSOLE_ROLES,
  ConsoleChallengeResponseSchema,
  ConsoleLoginRequestSchema,
  ConsoleMeResponseSchema,
  ConsoleOkResponseSchema,
  ConsolePasswordRequestSchema,
  ConsoleSessionResponseSchema,
  ConsoleVerifyRequestSchema,
} from '../../../../domain/api/console';
import { consoleChangePassword, consoleLogout, consoleMe, consolePasswordStep, consoleVerifyStep } from '../../../services/console/console-auth';
import { defineRoute } from '../../route';
import { noStore, requestMeta } from '../auth/request-meta';

export const CONSOLE_ACCESS = { roles: CONSOLE_ROLES, console: true } as const;
const PASSWORD_CHANGE_ACCESS = { roles: CONSOLE_ROLES, console: 'password_change' } as const;

export const postConsoleLogin = defineRoute({
  method: 'post',
  path: '/api/console/auth/login',
  operationId: 'consoleLogin',
  summary: 'Console sign-in, step 1: username or phone and password; sends an SMS code to the bound phone',
  tags: ['console'],
  access: 'public',
  body: ConsoleLoginRequestSchema,
  responses: {
    200: { description: 'Password accepted: the challenge of the SMS step', schema: ConsoleChallengeResponseSchema },
    400: { description: 'CAPTCHA_REQUIRED or CAPTCHA_INVALID (after 3 failures)' },
    401: { description: 'INVALID_CREDENTIALS' },
    403: { description: 'CONSOLE_ROLE_REQUIRED (not a school admin or operator), CONSOLE_PHONE_REQUIRED, ACCOUNT_DISABLED' },
    429: { description: 'ACCOUNT_LOCKED, RATE_LIMITED (failures per IP, SMS per phone)' },
  },
  handler: async ({ koa, app, input }) => {
    noStore(koa);
    koa.body = await consolePasswordStep(app, input.body, requestMeta(koa));
  },
});

export const postConsoleVerify = defineRoute({
  method: 'post',
  path: '/api/console/auth/verify',
  operationId: 'consoleVerify',
  summary: 'Console sign-in, step 2: the SMS code of the challenge; opens a console session',
  tags: ['console'],
  access: 'public',
  body: ConsoleVerifyRequestSchema,
  responses: {
    200: { description: 'Signed in to the console', schema: ConsoleSessionResponseSchema },
    400: { description: 'SMS_CODE_INVALID, CONSOLE_CHALLENGE_INVALID (expired, used up or unknown)' },
  },
  handler: async ({ koa, app, input }) => {
    noStore(koa);
    koa.body = await consoleVerifyStep(app, input.body, requestMeta(koa));
  },
});

export const getConsoleMe = defineRoute({
  method: 'get',
  path: '/api/console/me',
  operationId: 'consoleMe',
  summary: 'The signed-in console account, its school and its session',
  tags: ['console'],
  access: PASSWORD_CHANGE_ACCESS,
  responses: { 200: { description: 'The console account', schema: ConsoleMeResponseSchema } },
  handler: async ({ koa, app, auth }) => {
    noStore(koa);
    koa.body = await consoleMe(app, auth!);
  },
});

export const postConsolePassword = defineRoute({
  method: 'post',
  path: '/api/console/auth/password',
  operationId: 'consoleChangePassword',
  summary: 'Change the console account password (required at the first sign-in with a generated password)',
  tags: ['console'],
  access: PASSWORD_CHANGE_ACCESS,
  body: ConsolePasswordRequestSchema,
  responses: {
    200: { description: 'Changed; other sessions of the account revoked', schema: ConsoleMeResponseSchema },
    400: { description: 'CURRENT_PASSWORD_WRONG or VALIDATION_FAILED (password rules)' },
  },
  handler: async ({ koa, app, input, auth }) => {
    noStore(koa);
    koa.body = await consoleChangePassword(app, auth!, input.body, requestMeta(koa));
  },
});

export const postConsoleLogout = defineRoute({
  method: 'post',
  path: '/api/console/auth/logout',
  operationId: 'consoleLogout',
  summary: 'End this console session',
  tags: ['console'],
  access: PASSWORD_CHANGE_ACCESS,
  responses: { 200: { description: 'Signed out', schema: ConsoleOkResponseSchema } },
  handler: async ({ koa, app, auth }) => {
    await consoleLogout(app, auth!, requestMeta(koa));
    noStore(koa);
    koa.body = { ok: true };
  },
});
