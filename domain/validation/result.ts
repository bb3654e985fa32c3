import type { ErrorCode } from '../errors';

/** The outcome of parsing one field: the normalised value, or the error code that explains why not. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; code: ErrorCode };

export function ok<T>(value: T): ParseResult<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: ErrorCode): ParseResult<T> {
  return { ok: false, code };
}
