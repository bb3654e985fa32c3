/**
 * Request validation: parse body, query and params with the route's zod
 * schemas; every problem becomes one VALIDATION_FAILED error listing each field
 * path with its Chinese message.
 */
import type { z } from 'zod';
import { AppError, type FieldErrors } from '../../domain/errors';
import { fieldErrorsFromIssues } from '../../domain/validation/field-errors';
import type { AnyRoute, KoaContext, RouteInput } from './route';

export function parseInput(route: AnyRoute, koa: KoaContext): RouteInput<unknown, unknown, unknown> {
  const fields: FieldErrors = {};
  const part = (schema: z.ZodType | undefined, value: unknown, name: 'body' | 'query' | 'params') => {
    if (!schema) return undefined;
    const result = schema.safeParse(value, { reportInput: true });
    if (result.success) return result.data;
    Object.assign(fields, fieldErrorsFromIssues(result.error.issues, name));
    return undefined;
  };
  const input = {
    params: part(route.params, koa.params ?? {}, 'params'),
    query: part(route.query, koa.query, 'query'),
    body: part(route.body, (koa.request as { body?: unknown }).body, 'body'),
  };
  if (Object.keys(fields).length > 0) throw new AppError('VALIDATION_FAILED', { fields });
  return input;
}
