import type { z } from 'zod';
import type { FieldErrors } from '../errors';

const HAS_CHINESE = /[\u4e00-\u9fff]/;

/**
 * The Chinese message of a zod issue. Domain schemas set their own Chinese
 * messages; zod's built-in English defaults are replaced here, so the server
 * and the mini-program's forms say the same thing.
 */
export function chineseIssueMessage(issue: z.core.$ZodIssue): string {
  if (HAS_CHINESE.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? '此项为必填项' : '类型不正确';
    case 'too_small':
      return issue.origin === 'string' ? `长度不能少于 ${String(issue.minimum)} 个字符` : issue.origin === 'array' ? `至少需要 ${String(issue.minimum)} 项` : `不能小于 ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'string' ? `长度不能超过 ${String(issue.maximum)} 个字符` : issue.origin === 'array' ? `最多 ${String(issue.maximum)} 项` : `不能大于 ${String(issue.maximum)}`;
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

/**
 * Turns zod issues into the `fields` map of an AppError: dotted path (behind
 * an optional prefix such as "body") → Chinese message. The first issue for a
 * path wins; an unknown key is reported at its own path; an issue on the whole
 * value uses the prefix alone ('' without one). Parse with `{ reportInput: true }`
 * so a missing value is told apart from a wrong type.
 */
export function fieldErrorsFromIssues(issues: ReadonlyArray<z.core.$ZodIssue>, prefix = ''): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of issues) {
    const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
    for (const path of paths) {
      const key = [prefix, ...path.map((p) => String(p))].filter((part) => part !== '').join('.');
      if (!(key in fields)) fields[key] = chineseIssueMessage(issue);
    }
  }
  return fields;
}
