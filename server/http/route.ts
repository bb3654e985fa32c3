/**
 * One way to declare an API route: method, path, who may call it, the zod
 * schemas of its input and output, and the handler. The router, the request
 * validation and the OpenAPI document are all generated from these
 * declarations, so a route cannot exist without a schema.
 */
import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import type { AccountRole } from '../../domain/api/auth';
import type { AppContext } from '../context';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Who may call a route; every route states one. `public`: anyone (a session, if
 * sent, is still resolved); `authenticated`: any signed-in account; `roles`:
 * signed-in accounts of these roles. Ownership (own child, own class) is
 * checked by the service the handler calls.
 */
export type RouteAccess =
  | 'public'
  | 'authenticated'
  | {
      roles: readonly AccountRole[];
      /**
       * A console route: only a console session (signed in with the SMS second
       * factor, POST /api/console/auth/verify) is accepted, 403
       * CONSOLE_SESSION_REQUIRED otherwise; an account whose password must be
       * changed gets 403 PASSWORD_CHANGE_REQUIRED unless the route is
       * 'password_change' (the change itself, me, logout).
       */
      console?: true | 'password_change';
    };

/** The signed-in caller, resolved from the bearer token by the authentication step of createApp. */
export interface AuthState {
  sessionId: string;
  account: { id: string; role: AccountRole; schoolId: string | null };
  channel?: 'weapp' | 'h5' | 'console';
  passwordChangeRequired?: boolean;
  expiresAt?: Date;
}

export interface RouteResponse {
  description: string;
  schema?: z.ZodType;
}

export interface RouteInput<B, Q, P> {
  body: B;
  query: Q;
  params: P;
}

export interface RequestState {
  requestId: string;
  app: AppContext;
  auth: AuthState | null;
}

export type KoaContext = ParameterizedContext<RequestState>;

export interface RouteHandlerContext<B, Q, P> {
  koa: KoaContext;
  app: AppContext;
  input: RouteInput<B, Q, P>;
  /** Never null on routes whose access is not 'public'. */
  auth: AuthState | null;
}

export interface RouteSpec<B = unknown, Q = unknown, P = unknown> {
  method: HttpMethod;
  /** Koa path under /api, e.g. /api/students/:studentId */
  path: string;
  operationId: string;
  summary: string;
  tags: string[];
  access: RouteAccess;
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  params?: z.ZodType<P>;
  responses: Record<number, RouteResponse>;
  /**
   * The body is read by the handler as raw text (readRawBody), never parsed by
   * the global JSON parser: for bodies whose signature covers their exact bytes
   * (WeChat Pay notifications). `body` must then be left unset.
   */
  rawBody?: true;
  handler: (ctx: RouteHandlerContext<B, Q, P>) => Promise<void> | void;
}

/** Identity function that ties the handler's input types to the schemas. */
export function defineRoute<B = undefined, Q = undefined, P = undefined>(spec: RouteSpec<B, Q, P>): RouteSpec<B, Q, P> {
  return spec;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteSpec<any, any, any>;
