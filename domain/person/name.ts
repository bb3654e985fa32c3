/**
 * Person names as written on the resident ID card: Han characters, Latin
 * letters (single spaces between Latin words) and the middle dot · (U+00B7)
 * that separates the parts of transcribed names such as 阿卜杜热西提·买买提.
 *
 * Normalisation: trim; full-width letters to ASCII; every middle-dot look-alike
 * to U+00B7; whitespace runs to one space; spaces around a dot or next to a Han
 * character removed (Han names are never written with spaces, "张 三" is 张三).
 */
import { checkFreeText, codePointLength, removeZeroWidth, toHalfWidth } from '../text/normalize';
import { parsedStringSchema } from '../validation/field-schema';
import { type ParseResult, fail, ok } from '../validation/result';

export const MIDDLE_DOT = '\u00B7';
export const MIN_NAME_LENGTH = 2;
export const MAX_NAME_LENGTH = 20;

/**
 * Characters people type for the middle dot: ・ katakana middle dot (U+30FB),
 * • bullet (U+2022), ‧ hyphenation point (U+2027), ･ half-width katakana middle
 * dot (U+FF65), ∙ bullet operator (U+2219), ⋅ dot operator (U+22C5).
 */
export const MIDDLE_DOT_VARIANTS = ['\u30FB', '\u2022', '\u2027', '\uFF65', '\u2219', '\u22C5'] as const;

const DOT_VARIANT = /[\u30FB\u2022\u2027\uFF65\u2219\u22C5]/g;
/** One name character: a Han character, a Latin letter, the middle dot or a space. */
const NAME_CHARS = /^(?:\p{Script=Han}|(?=\p{L})\p{Script=Latin}|\u00B7| )+$/u;
const LATIN_LETTER = /^(?=\p{L})\p{Script=Latin}$/u;

export function normalizePersonName(input: string): string {
  return removeZeroWidth(toHalfWidth(input))
    .replace(DOT_VARIANT, MIDDLE_DOT)
    .trim()
    .replace(/\s+/g, ' ')
    .replace(/ ?\u00B7 ?/g, MIDDLE_DOT)
    .replace(/(\p{Script=Han}) /gu, '$1')
    .replace(/ (\p{Script=Han})/gu, '$1');
}

function hasValidStructure(name: string): boolean {
  if (name.startsWith(MIDDLE_DOT) || name.endsWith(MIDDLE_DOT) || name.includes(MIDDLE_DOT + MIDDLE_DOT)) return false;
  const chars = [...name];
  // after normalisation a space can only sit between two Latin letters
  return chars.every(
    (c, i) => c !== ' ' || (LATIN_LETTER.test(chars[i - 1] ?? '') && LATIN_LETTER.test(chars[i + 1] ?? '')),
  );
}

/** Characters are checked before the length, so "张3" and "3" both explain the digit. */
export function parsePersonName(input: string): ParseResult<string> {
  if (typeof input === 'string') {
    const text = checkFreeText(input);
    if (!text.ok) return text;
  }
  const name = typeof input === 'string' ? normalizePersonName(input) : '';
  if (name === '') return fail('REQUIRED');
  if (!NAME_CHARS.test(name) || !hasValidStructure(name)) return fail('NAME_CHARS');
  const length = codePointLength(name);
  if (length < MIN_NAME_LENGTH || length > MAX_NAME_LENGTH) return fail('NAME_LENGTH');
  return ok(name);
}

export function isValidPersonName(input: string): boolean {
  return parsePersonName(input).ok;
}

/** Normalises; outputs the name. */
export const personNameSchema = parsedStringSchema(parsePersonName, 'REQUIRED');
