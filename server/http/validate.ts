/**
 * Request validation: parse body, query and params with the route's zod
 * schemas; every problem becomes one VALIDATION_FAILED error listing each field
 * path with its Chinese message.
 *
 * Before any schema runs, two rules hold for every route, whatever its schemas:
 * - no string anywhere in the input (values and object keys, at any depth)
 *   holds an unpaired UTF-16 surrogate: it is not text, PostgreSQL cannot store
 *   it, and a schema that forgets it must not turn it into a 500
 *   (TEXT_INVALID_UNICODE at the field's path);
 * - a write route without a body schema takes no body fields: each one is
 *   refused by name, as strict body schemas refuse unknown fields.
 */
import type { z } from 'zod';
import { AppError, errorMessage, type FieldErrors } from '../../domain/errors';
import { hasLoneSurrogate } from '../../domain/text/normalize';
import { fieldErrorsFromIssues } from '../../domain/validation/field-errors';
import type { AnyRoute, KoaContext, RouteInput } from './route';

const MAX_DEPTH = 32;

/** Dotted paths (behind `prefix`) of every string or key holding an unpaired surrogate. */
export function invalidUnicodePaths(value: unknown, prefix: string): string[] {
  const found: string[] = [];
  const walk = (v: unknown, path: string, depth: number) => {
    if (typeof v === 'string') {
      if (hasLoneSurrogate(v)) found.push(path);
      return;
    }
    if (v === null || typeof v !== 'object' || depth > MAX_DEPTH) return;
    if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, `${path}.${i}`, depth + 1));
      return;
    }
    for (const [key, item] of Object.entries(v as Record<string, unknown>)) {
      const at = `${path}.${hasLoneSurrogate(key) ? key.replace(/[\uD800-\uDFFF]/g, '\uFFFD') : key}`;
      if (hasLoneSurrogate(key)) found.push(at);
      else walk(item, at, depth + 1);
    }
  };
  walk(value, prefix, 0);
  return found;
}

const WRITE_METHODS = new Set(['post', 'put', 'patch', 'delete']);

export function parseInput(route: AnyRoute, koa: KoaContext): RouteInput<unknown, unknown, unknown> {
  const fields: FieldErrors = {};
  const rawBody = (koa.request as { body?: unknown }).body;
  const raw = { params: koa.params ?? {}, query: koa.query, body: rawBody };
  for (const name of ['params', 'query', 'body'] as const) {
    for (const path of invalidUnicodePaths(raw[name], name)) fields[path] ??= errorMessage('TEXT_INVALID_UNICODE');
  }
  if (Object.keys(fields).length > 0) throw new AppError('VALIDATION_FAILED', { fields });

  if (!route.body && !route.rawBody && WRITE_METHODS.has(route.method) && rawBody !== null && typeof rawBody === 'object') {
    const keys = Array.isArray(rawBody) ? (rawBody.length > 0 ? ['0'] : []) : Object.keys(rawBody);
    for (const key of keys) fields[`body.${key}`] = `不支持的字段：${key}`;
    if (keys.length > 0) throw new AppError('VALIDATION_FAILED', { fields });
  }

  const part = (schema: z.ZodType | undefined, value: unknown, name: 'body' | 'query' | 'params') => {
    if (!schema) return undefined;
    const result = schema.safeParse(value, { reportInput: true });
    if (result.success) return result.data;
    Object.assign(fields, fieldErrorsFromIssues(result.error.issues, name));
    return undefined;
  };
  const input = {
    params: part(route.params, raw.params, 'params'),
    query: part(route.query, raw.query, 'query'),
    body: part(route.body, raw.body, 'body'),
  };
  if (Object.keys(fields).length > 0) throw new AppError('VALIDATION_FAILED', { fields });
  return input;
}
