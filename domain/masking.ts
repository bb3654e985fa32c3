/**
 * De-identified display of personal data (GB/T 35273 §7.2), done on the server
 * before data leaves it and reused by the mini-program for its own echoes.
 * Every function masks whatever it is given, also malformed input: it never
 * returns more of the value than its pattern allows.
 */

const STAR = '*';

function stars(n: number): string {
  return STAR.repeat(Math.max(0, n));
}

/** Keeps `head` leading and `tail` trailing code points; masks everything when the value is too short. */
function keepEnds(value: string, head: number, tail: number): string {
  const chars = [...value];
  if (chars.length <= head + tail) return stars(chars.length);
  return chars.slice(0, head).join('') + stars(chars.length - head - tail) + chars.slice(chars.length - tail).join('');
}

/** 110105********002X: the first 6 (address code) and the last 4. */
export function maskResidentId(id: string): string {
  return keepEnds(id.trim(), 6, 4);
}

/** 138****5678 */
export function maskPhone(phone: string): string {
  return keepEnds(phone.trim(), 3, 4);
}

/**
 * 张* / 欧** / A****: the first character, then one * for each remaining code
 * point (spaces and dots included, so word lengths are not shown either).
 */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length === 0) return '';
  return chars[0]! + stars(chars.length - 1);
}

/** a***@example.com: the first character of the local part and a fixed *** (hides the length); the domain stays. */
export function maskEmail(email: string): string {
  const value = email.trim();
  const at = value.lastIndexOf('@');
  if (at <= 0) return stars(3);
  const first = [...value.slice(0, at)][0]!;
  return `${first}${stars(3)}${value.slice(at)}`;
}

/** G110105********002X: the prefix letter, the next 6 and the last 4. */
export function maskStudentNumber(studentNumber: string): string {
  return keepEnds(studentNumber.trim(), 7, 4);
}
