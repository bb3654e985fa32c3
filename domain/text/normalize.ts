/**
 * Text clean-up shared by the identifier and name validators. Chinese input
 * methods often produce full-width characters (０-９, Ａ-Ｚ, ＠, the ideographic
 * space) and copy-paste from chat apps brings zero-width characters along.
 *
 * Note for the mini-program: regular expressions in domain/ avoid look-behind,
 * named groups and the `v` flag, which older WeChat JavaScript engines lack.
 */

const FULL_WIDTH_ASCII = /[\uFF01-\uFF5E]/g;
const IDEOGRAPHIC_SPACE = /\u3000/g;
const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF]/g;

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
  return removeZeroWidth(toHalfWidth(input)).replace(/\s+/g, '');
}

/** Length in Unicode code points: 𠮷 (CJK extension B) counts as one, not two UTF-16 units. */
export function codePointLength(input: string): number {
  let n = 0;
  for (const _ of input) n += 1;
  return n;
}
