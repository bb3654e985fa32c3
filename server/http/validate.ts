/**
 * Request validation: parse body, query and params with the route's zod
 * schemas; every problem becomes one VALIDATION_FAILED error listing each field
 * path with its Chinese message.
 */
import { z } from 'zod';
import { AppError, type FieldErrors } from '../../domain/errors';
import type { AnyRoute, KoaContext, RouteInput } from './route';

/** Chinese fallbacks for zod's built-in issues (domain schemas bring their own messages). */
function messageOf(issue: z.core.$ZodIssue): string {
  // Domain schemas set Chinese messages explicitly; zod's own English defaults are replaced here.
  if (/[\u4e00-\u9fff]/.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? '此项为必填项' : '类型不正确';
    case 'too_small':
      return issue.origin === 'string' ? `长度不能少于 ${String(issue.minimum)} 个字符` : `不能小于 ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'string' ? `长度不能超过 ${String(issue.maximum)} 个字符` : `不能大于 ${String(issue.maximum)}`;
    case 'unrecognized_keys':
      return `不支持的字段：${issue.keys.join('、')}`;
    case 'invalid_value':
      return '取值不在允许的范围内';
    case 'invalid_format':
      return '格式不正确';
    default:
      return '内容不正确';
  }
}

export function fieldErrorsOf(error: z.ZodError, prefix: string): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
    for (const path of keys) {
      const name = [prefix, ...path.map(String)].filter(Boolean).join('.');
      fields[name || prefix] ??= messageOf(issue);
    }
  }
  return fields;
}

export function parseInput(route: AnyRoute, koa: KoaContext): RouteInput<unknown, unknown, unknown> {
  const fields: FieldErrors = {};
  const part = (schema: z.ZodType | undefined, value: unknown, name: 'body' | 'query' | 'params') => {
    if (!schema) return undefined;
    const result = schema.safeParse(value, { reportInput: true });
    if (result.success) return result.data;
    Object.assign(fields, fieldErrorsOf(result.error, name));
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
