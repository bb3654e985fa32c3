/**
 * Test helpers that build valid resident ID numbers. For tests only (server
 * tests use them too); never for production data.
 */
import { addDays, chinaDate, formatCalendarDate, parseCalendarDate, subtractYears } from '../time/calendar-date';
import { type Sex, residentIdCheckChar } from './resident-id';

export interface MakeResidentIdOptions {
  /** Two-digit province code, default '11' (北京). */
  province?: string;
  /** The four digits after the province code (city and county), default '0105'. */
  area?: string;
  /** 'YYYY-MM-DD' */
  birthDate: string;
  /** 0–999; when absent, 1 for male (default) or 2 for female. */
  sequence?: number;
  sex?: Sex;
}

/** A valid 18-character resident ID number with the given parts. */
export function makeResidentId(options: MakeResidentIdOptions): string {
  const { province = '11', area = '0105', birthDate, sex } = options;
  if (!/^\d{2}$/.test(province)) throw new RangeError(`province must be 2 digits: ${province}`);
  if (!/^\d{4}$/.test(area)) throw new RangeError(`area must be 4 digits: ${area}`);
  const birth = parseCalendarDate(birthDate);
  if (!birth) throw new RangeError(`birthDate must be a real YYYY-MM-DD date: ${birthDate}`);
  const sequence = options.sequence ?? (sex === 'female' ? 2 : 1);
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 999) {
    throw new RangeError(`sequence must be an integer 0–999: ${sequence}`);
  }
  if (sex && (sequence % 2 === 1 ? 'male' : 'female') !== sex) {
    throw new RangeError(`sequence ${sequence} does not encode sex ${sex} (odd = male)`);
  }
  const body = `${province}${area}${birthDate.replace(/-/g, '')}${String(sequence).padStart(3, '0')}`;
  return body + residentIdCheckChar(body);
}

/**
 * The birth date of someone who turns `years` old on China's today at `now`,
 * shifted by `dayOffset` days (+1: one day younger, turns `years` tomorrow).
 */
export function birthDateForAge(years: number, now: Date = new Date(), dayOffset = 0): string {
  return formatCalendarDate(addDays(subtractYears(chinaDate(now), years), dayOffset));
}
