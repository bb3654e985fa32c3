/**
 * Reading what PostgreSQL (or its driver) said from an error: drizzle wraps
 * driver errors (the PostgreSQL error is a `cause`), and our own errors may
 * wrap those again, so every question walks the same short cause chain.
 */

/** The fields of a driver error this code base reads. */
export interface PgErrorFields {
  /** SQLSTATE (23505, 57P01, …) or a socket error code (ECONNREFUSED). */
  code?: unknown;
  constraint?: unknown;
  /** Set on errors PostgreSQL itself reported (absent on socket and client errors). */
  severity?: unknown;
  message?: unknown;
}

/** How deep the cause chain is followed (an error, drizzle's wrapper, an AppError around them, …). */
const MAX_DEPTH = 4;

/** The first error of err's cause chain that `test` accepts. */
export function findInCauseChain(err: unknown, test: (e: PgErrorFields) => boolean): PgErrorFields | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < MAX_DEPTH; e = (e as { cause?: unknown }).cause, depth++) {
    if (test(e as PgErrorFields)) return e as PgErrorFields;
  }
  return undefined;
}

/** The first error code (SQLSTATE or socket code) of err's cause chain. */
export function pgErrorCode(err: unknown): string | undefined {
  const code = findInCauseChain(err, (e) => typeof e.code === 'string')?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The constraint of a unique violation (23505) in err's cause chain, or null when it is none. */
export function uniqueViolationConstraint(err: unknown): string | null {
  const found = findInCauseChain(err, (e) => e.code === '23505');
  return found ? String(found.constraint ?? '') : null;
}

/** True when err (or its cause) is a unique violation of `constraint`. */
export function isUniqueViolation(err: unknown, constraint: string): boolean {
  return findInCauseChain(err, (e) => e.code === '23505' && e.constraint === constraint) !== undefined;
}
