import type { FieldErrors } from '../errors';

/** The part of a zod issue this module reads (kept structural so it works with any zod issue type). */
export interface IssueLike {
  path: ReadonlyArray<PropertyKey>;
  message: string;
}

/**
 * Turns zod issues into the `fields` map of an AppError: dotted path → Chinese
 * message. The first issue for a path wins; an issue on the whole value uses
 * the empty path ''.
 */
export function fieldErrorsFromIssues(issues: ReadonlyArray<IssueLike>): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of issues) {
    const key = issue.path.map((p) => String(p)).join('.');
    if (!(key in fields)) fields[key] = issue.message;
  }
  return fields;
}
