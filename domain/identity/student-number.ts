/**
 * 学籍号 (national student number), 19 characters:
 * - G + the 18-character resident ID number (the usual case). It is fixed for
 *   life, so after an ID change it can differ from the current ID: only the
 *   shape (17 digits + digit or X) is checked, not the check character.
 * - J + an ID-style 18 characters (17 digits + digit or X) for students without an ID.
 * - L + 18 digits or letters: a temporary number issued before national de-duplication.
 */
import { compactIdentifier } from '../text/normalize';
import { parsedStringSchema } from '../validation/field-schema';
import { type ParseResult, fail, ok } from '../validation/result';

export type StudentNumberKind = 'G' | 'J' | 'L';

export interface StudentNumber {
  number: string;
  kind: StudentNumberKind;
}

const PATTERNS: Record<StudentNumberKind, RegExp> = {
  G: /^G\d{17}[\dX]$/,
  J: /^J\d{17}[\dX]$/,
  L: /^L[0-9A-Z]{18}$/,
};

/** Trims, removes inner whitespace, turns full-width characters into ASCII and upper-cases. */
export function normalizeStudentNumber(input: string): string {
  return compactIdentifier(input).toUpperCase();
}

export function parseStudentNumber(input: string): ParseResult<StudentNumber> {
  const number = typeof input === 'string' ? normalizeStudentNumber(input) : '';
  if (number === '') return fail('REQUIRED');
  const kind = number[0] as StudentNumberKind;
  const pattern = PATTERNS[kind];
  if (!pattern || !pattern.test(number)) return fail('STUDENT_NO_FORMAT');
  return ok({ number, kind });
}

export function isValidStudentNumber(input: string): boolean {
  return parseStudentNumber(input).ok;
}

/** Normalises; outputs the 19-character number. */
export const studentNumberSchema = parsedStringSchema((input) => {
  const result = parseStudentNumber(input);
  return result.ok ? ok(result.value.number) : result;
}, 'STUDENT_NO_FORMAT');
