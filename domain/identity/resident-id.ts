/**
 * Resident identity card numbers (居民身份证号码, GB 11643-1999): a 6-digit
 * address code (GB/T 2260), the birth date YYYYMMDD, a 3-digit sequence (odd
 * for men, even for women) and an ISO 7064 MOD 11-2 check character.
 *
 * Checks run in a fixed order so that a person sees the most useful message
 * first: required → legacy 15-digit → shape → province → birth date → check
 * character → age for the intended use.
 */
import type { ErrorCode } from '../errors';
import { compactIdentifier } from '../text/normalize';
import {
  type CalendarDate,
  ageInYears,
  chinaDate,
  compareCalendarDates,
  formatCalendarDate,
  isRealCalendarDate,
} from '../time/calendar-date';
import { parsedStringSchema } from '../validation/field-schema';

/** Province-level codes of GB/T 2260, plus 83. */
export const PROVINCE_CODES = [
  '11', '12', '13', '14', '15', // 北京 天津 河北 山西 内蒙古
  '21', '22', '23', // 辽宁 吉林 黑龙江
  '31', '32', '33', '34', '35', '36', '37', // 上海 江苏 浙江 安徽 福建 江西 山东
  '41', '42', '43', '44', '45', '46', // 河南 湖北 湖南 广东 广西 海南
  '50', '51', '52', '53', '54', // 重庆 四川 贵州 云南 西藏
  '61', '62', '63', '64', '65', // 陕西 甘肃 青海 宁夏 新疆
  '71', // 台湾
  '81', '82', // 香港 澳门
  // 83 is not in GB/T 2260: it is the address code of residence permits for
  // Taiwan residents (台湾居民居住证, since 2018), which carry a GB 11643 number.
  '83',
] as const;

export type ProvinceCode = (typeof PROVINCE_CODES)[number];

const PROVINCE_CODE_SET: ReadonlySet<string> = new Set(PROVINCE_CODES);

/** Kindergarten starts around 3; 2 leaves room for early entry. */
export const MIN_STUDENT_AGE = 2;
/** Upper bound for students: repeaters, late entrants and secondary vocational students. */
export const MAX_STUDENT_AGE = 25;
/** A guardian must be an adult (民法典 art. 17). */
export const MIN_GUARDIAN_AGE = 18;
export const MAX_GUARDIAN_AGE = 120;
/** Birth years before this are treated as a typing error, whatever the use. */
export const MIN_BIRTH_YEAR = 1900;

/** What the number is for decides the plausible age; `any` checks no age. */
export type ResidentIdUse = 'student' | 'guardian' | 'any';

export type Sex = 'male' | 'female';

export interface ResidentId {
  /** The normalised 18-character number. */
  id: string;
  /** 'YYYY-MM-DD' */
  birthDate: string;
  sex: Sex;
  provinceCode: ProvinceCode;
}

export type ResidentIdErrorCode = Extract<
  ErrorCode,
  | 'ID_REQUIRED'
  | 'ID_LEGACY_15'
  | 'ID_FORMAT'
  | 'ID_PROVINCE'
  | 'ID_BIRTH_DATE'
  | 'ID_BIRTH_FUTURE'
  | 'ID_CHECKSUM'
  | 'ID_AGE_STUDENT'
  | 'ID_AGE_GUARDIAN'
>;

export type ResidentIdResult = { ok: true; value: ResidentId } | { ok: false; code: ResidentIdErrorCode };

export interface ParseResidentIdOptions {
  use?: ResidentIdUse;
  /** The instant "today" is taken from (China time); defaults to the current time. */
  now?: Date;
}

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
/** Check character for S mod 11 = 0, 1, …, 10. */
const CHECK_CHARS = '10X98765432';

/**
 * Trims, removes inner whitespace and zero-width characters, turns full-width
 * digits and Ｘ/ｘ into ASCII and a lower-case x into X.
 */
export function normalizeResidentId(input: string): string {
  return compactIdentifier(input).replace(/x/g, 'X');
}

/** The ISO 7064 MOD 11-2 check character of the first 17 digits. */
export function residentIdCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError('residentIdCheckChar expects exactly 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

function fail(code: ResidentIdErrorCode): ResidentIdResult {
  return { ok: false, code };
}

/** Validates and decodes a resident ID number; see the module comment for the order of checks. */
export function parseResidentId(input: string, options: ParseResidentIdOptions = {}): ResidentIdResult {
  const use = options.use ?? 'any';
  const id = typeof input === 'string' ? normalizeResidentId(input) : '';
  if (id === '') return fail('ID_REQUIRED');
  if (/^\d{15}$/.test(id)) return fail('ID_LEGACY_15');
  if (!/^\d{17}[\dX]$/.test(id)) return fail('ID_FORMAT');

  const provinceCode = id.slice(0, 2);
  if (!PROVINCE_CODE_SET.has(provinceCode)) return fail('ID_PROVINCE');

  const birth: CalendarDate = {
    year: Number(id.slice(6, 10)),
    month: Number(id.slice(10, 12)),
    day: Number(id.slice(12, 14)),
  };
  if (!isRealCalendarDate(birth) || birth.year < MIN_BIRTH_YEAR) return fail('ID_BIRTH_DATE');
  const today = chinaDate(options.now ?? new Date());
  if (compareCalendarDates(birth, today) > 0) return fail('ID_BIRTH_FUTURE');

  if (residentIdCheckChar(id.slice(0, 17)) !== id[17]) return fail('ID_CHECKSUM');

  const age = ageInYears(birth, today);
  if (use === 'student' && (age < MIN_STUDENT_AGE || age > MAX_STUDENT_AGE)) return fail('ID_AGE_STUDENT');
  if (use === 'guardian' && (age < MIN_GUARDIAN_AGE || age > MAX_GUARDIAN_AGE)) return fail('ID_AGE_GUARDIAN');

  return {
    ok: true,
    value: {
      id,
      birthDate: formatCalendarDate(birth),
      sex: Number(id[16]) % 2 === 1 ? 'male' : 'female',
      provinceCode: provinceCode as ProvinceCode,
    },
  };
}

export function isValidResidentId(input: string, options: ParseResidentIdOptions = {}): boolean {
  return parseResidentId(input, options).ok;
}

export interface ResidentIdSchemaOptions {
  /** Read at every parse, so a long-lived schema never works with a stale "today". */
  clock?: () => Date;
}

/**
 * A zod schema that normalises the input and outputs the 18-character number;
 * a failure's issue message is the Chinese message of its code (code in params.code).
 */
export function residentIdSchema(use: ResidentIdUse = 'any', options: ResidentIdSchemaOptions = {}) {
  const clock = options.clock ?? (() => new Date());
  return parsedStringSchema((input) => {
    const result = parseResidentId(input, { use, now: clock() });
    return result.ok ? { ok: true, value: result.value.id } : result;
  }, 'ID_REQUIRED');
}
