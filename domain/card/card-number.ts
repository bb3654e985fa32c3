/**
 * The education card number (教育卡号), issued once per student at the first
 * approval and never reused.
 *
 * Format (16 characters, upper case, no separators):
 *
 *     JY 32 26 000001234 7
 *     │  │  │  │         └ check character: ISO 7064 MOD 11-2 over the 13 digits before it ('0'–'9' or 'X')
 *     │  │  │  └ 9-digit zero-padded sequence from the database sequence card_number_seq (nextval)
 *     │  │  └ 2-digit year of issue (China time)
 *     │  └ 2-digit province code of the issuing centre (GB/T 2260, as in the resident ID)
 *     └ fixed prefix 教育 (JiaoYu)
 *
 * Uniqueness comes from the sequence alone (it is global, not per year or
 * province, and a rolled-back transaction burns its value), so a number is
 * never issued twice even if two centres share a database; the province and
 * year are for people reading the number.
 *
 * Why MOD 11-2: it is the check system of the resident ID number families
 * already type, and it detects every single-character substitution and every
 * transposition of adjacent characters in the checked part. The prefix is
 * checked by the format (it is constant). The price is the 'X' check
 * character in one number out of eleven, which people know from ID numbers.
 */

export const CARD_NUMBER_PREFIX = 'JY';
/** 江苏省: the issuing centre of this deployment (the seed's provincial system). */
export const EDUCARD_PROVINCE_CODE = '32';
export const CARD_SEQUENCE_DIGITS = 9;
export const MAX_CARD_SEQUENCE = 10 ** CARD_SEQUENCE_DIGITS - 1;
export const CARD_NUMBER_LENGTH = CARD_NUMBER_PREFIX.length + 2 + 2 + CARD_SEQUENCE_DIGITS + 1;

const CARD_NUMBER = /^JY(\d{2})(\d{2})(\d{9})([0-9X])$/;

/** The ISO 7064 MOD 11-2 check character ('0'–'9' or 'X') of a string of digits. */
export function mod11_2CheckChar(digits: string): string {
  if (!/^\d+$/.test(digits)) throw new RangeError('mod11_2CheckChar expects digits only');
  let p = 0;
  for (const ch of digits) p = ((p + Number(ch)) * 2) % 11;
  const check = (12 - p) % 11;
  return check === 10 ? 'X' : String(check);
}

export interface CardNumberParts {
  /** 2-digit province code. */
  province: string;
  /** Year of issue (four digits, e.g. 2026) or its last two digits. */
  year: number;
}

/** The card number of sequence value `seq`; throws RangeError for a sequence or part out of range. */
export function formatCardNumber(seq: number | bigint, parts: CardNumberParts): string {
  const n = typeof seq === 'bigint' ? seq : BigInt(seq);
  if (typeof seq === 'number' && !Number.isSafeInteger(seq)) throw new RangeError(`card sequence must be an integer: ${seq}`);
  if (n < 1n || n > BigInt(MAX_CARD_SEQUENCE)) throw new RangeError(`card sequence out of range 1–${MAX_CARD_SEQUENCE}: ${n}`);
  if (!/^\d{2}$/.test(parts.province)) throw new RangeError(`province must be 2 digits: ${parts.province}`);
  if (!Number.isInteger(parts.year) || parts.year < 0) throw new RangeError(`year must be a non-negative integer: ${parts.year}`);
  const year = String(parts.year % 100).padStart(2, '0');
  const body = `${parts.province}${year}${n.toString().padStart(CARD_SEQUENCE_DIGITS, '0')}`;
  return `${CARD_NUMBER_PREFIX}${body}${mod11_2CheckChar(body)}`;
}

/** Trim, drop inner spaces and upper-case what a person typed (jy 3226 000001234 7 → JY32260000012347). */
export function normalizeCardNumber(input: string): string {
  return input.replace(/\s+/g, '').toUpperCase();
}

/** True for a well-formed card number with a correct check character (exact form: upper case, no spaces). */
export function isValidCardNumber(s: string): boolean {
  if (typeof s !== 'string') return false;
  const m = CARD_NUMBER.exec(s);
  if (!m) return false;
  const body = `${m[1]}${m[2]}${m[3]}`;
  return m[3] !== '000000000' && mod11_2CheckChar(body) === m[4];
}

/** The parts of a valid card number, or null. */
export function parseCardNumber(s: string): { province: string; year2: string; sequence: number } | null {
  if (!isValidCardNumber(s)) return null;
  const m = CARD_NUMBER.exec(s)!;
  return { province: m[1]!, year2: m[2]!, sequence: Number(m[3]) };
}

/**
 * A card number as verifiers see it: the prefix and province, then the last
 * four characters (JY32********0116). Anything not shaped like a card number
 * is masked whole.
 */
export function maskCardNumber(cardNumber: string): string {
  if (cardNumber.length <= 8) return '*'.repeat(cardNumber.length);
  return `${cardNumber.slice(0, 4)}${'*'.repeat(cardNumber.length - 8)}${cardNumber.slice(-4)}`;
}
