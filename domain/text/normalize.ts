/**
 * Text clean-up shared by the identifier and name validators. Chinese input
 * methods often produce full-width characters (０-９, Ａ-Ｚ, ＠, the ideographic
 * space) and copy-paste from chat apps brings zero-width characters along.
 *
 * Note for the mini-program: regular expressions in domain/ avoid look-behind,
 * named groups and the `v` flag, which older WeChat JavaScript engines lack.
 */
import { type ParseResult, fail, ok } from '../validation/result';

const FULL_WIDTH_ASCII = /[\uFF01-\uFF5E]/g;
const IDEOGRAPHIC_SPACE = /\u3000/g;
const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF]/g;
/** Bidirectional embeddings, overrides and isolates: U+202A–U+202E, U+2066–U+2069 ("Trojan Source", CVE-2021-42574). */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;
/** A high surrogate not followed by a low one, or a low surrogate not preceded by a high one (no look-behind: WeChat). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Full-width ASCII forms (U+FF01–U+FF5E) and the ideographic space become their ASCII counterparts. */
export function toHalfWidth(input: string): string {
  return input
    .replace(FULL_WIDTH_ASCII, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(IDEOGRAPHIC_SPACE, ' ');
}

/** Removes zero-width spaces, joiners and byte-order marks. */
export function removeZeroWidth(input: string): string {
  return input.replace(ZERO_WIDTH, '');
}

/** True when the string holds an unpaired UTF-16 surrogate: not Unicode text, PostgreSQL (UTF-8) cannot store it. */
export function hasLoneSurrogate(input: string): boolean {
  return LONE_SURROGATE.test(input);
}

/** True when the string holds a bidirectional control character (U+202A–U+202E, U+2066–U+2069). */
export function hasBidiControl(input: string): boolean {
  return BIDI_CONTROL.test(input);
}

/**
 * Identifiers (ID numbers, 学籍号, phones, e-mail addresses, usernames): zero-width
 * and bidirectional control characters are invisible formatting that copy-paste
 * brings along, so they are stripped before the format is checked.
 */
export function removeInvisibleFormatting(input: string): string {
  return removeZeroWidth(input).replace(BIDI_CONTROLS, '');
}

/**
 * THE rule for free text (names, addresses, notice titles and bodies, return
 * reasons), applied by every free-text schema of domain/ (SECURITY.md, "Input"):
 * - zero-width characters (U+200B–U+200D, U+2060, U+FEFF) are stripped: chat
 *   apps paste them in and nobody can see them;
 * - bidirectional controls (U+202A–U+202E, U+2066–U+2069) are refused
 *   (TEXT_BIDI_CONTROL): they make text read differently from what is stored
 *   (an address or a notice title shown reversed), and stripping them silently
 *   would change what the person meant to write;
 * - unpaired surrogates are refused (TEXT_INVALID_UNICODE): not text at all.
 * Control characters and line breaks are left to each field's own schema.
 */
export function checkFreeText(input: string): ParseResult<string> {
  if (hasLoneSurrogate(input)) return fail('TEXT_INVALID_UNICODE');
  if (hasBidiControl(input)) return fail('TEXT_BIDI_CONTROL');
  return ok(removeZeroWidth(input));
}

/**
 * Drops control characters (NUL above all: PostgreSQL text cannot hold it).
 * Tabs and line breaks become spaces, or stay (as \n) with keepLineBreaks.
 */
export function removeControlCharacters(input: string, options: { keepLineBreaks?: boolean } = {}): string {
  const text = options.keepLineBreaks ? input.replace(/\r\n?/g, '\n') : input.replace(/[\t\n\r]+/g, ' ');
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
}

/** Half-width, without zero-width characters and without any whitespace at all. */
export function compactIdentifier(input: string): string {
  return removeInvisibleFormatting(toHalfWidth(input)).replace(/\s+/g, '');
}

/** Length in Unicode code points: 𠮷 (CJK extension B) counts as one, not two UTF-16 units. */
export function codePointLength(input: string): number {
  let n = 0;
  for (const _ of input) n += 1;
  return n;
}
