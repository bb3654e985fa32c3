import { findInCauseChain, isUniqueViolation, pgErrorCode, uniqueViolationConstraint } from './pg-errors';

/** A driver error wrapped the way drizzle wraps it (the PostgreSQL error is the cause). */
function wrapped(pg: Record<string, unknown>): Error {
  return new Error('Failed query: insert …', { cause: Object.assign(new Error('duplicate key value'), pg) });
}

describe('reading PostgreSQL errors', () => {
  test('When drizzle wraps a unique violation, then its code and constraint are read from the cause', () => {
    const err = wrapped({ code: '23505', constraint: 'students_approved_resident_id_uq', severity: 'ERROR' });
    expect(pgErrorCode(err)).toBe('23505');
    expect(uniqueViolationConstraint(err)).toBe('students_approved_resident_id_uq');
    expect(isUniqueViolation(err, 'students_approved_resident_id_uq')).toBe(true);
    expect(isUniqueViolation(err, 'accounts_username_key')).toBe(false);
  });

  test('When the error is another kind, then it is no unique violation', () => {
    const err = wrapped({ code: '23503', constraint: 'students_class_id_fkey' });
    expect(uniqueViolationConstraint(err)).toBeNull();
    expect(isUniqueViolation(err, 'students_class_id_fkey')).toBe(false);
    expect(pgErrorCode(new Error('plain'))).toBeUndefined();
  });

  test('When errors wrap each other deeper than the chain is followed, then the search stops', () => {
    let err: unknown = Object.assign(new Error('deep'), { code: '57P01' });
    for (let i = 0; i < 4; i++) err = new Error(`wrapper ${i}`, { cause: err });
    expect(findInCauseChain(err, (e) => e.code === '57P01')).toBeUndefined();
    expect(pgErrorCode(new Error('one', { cause: new Error('two', { cause: Object.assign(new Error('x'), { code: '57P01' }) }) }))).toBe('57P01');
  });
});
