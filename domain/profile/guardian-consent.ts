/**
 * PIPL art. 28 and 31: personal information of a child under 14 is sensitive
 * and may only be processed with the guardian's consent, recorded before the
 * profile is submitted.
 */
import { parseResidentId } from '../identity/resident-id';
import { ageInYears, chinaDate, parseCalendarDate } from '../time/calendar-date';

export const GUARDIAN_CONSENT_AGE = 14;

/**
 * True when the student (by their resident ID's birth date) is under 14 on
 * China's date at `now`; null when the ID cannot be read.
 */
export function requiresGuardianConsent(studentResidentId: string, now: Date = new Date()): boolean | null {
  const parsed = parseResidentId(studentResidentId, { now });
  if (!parsed.ok) return null;
  const birth = parseCalendarDate(parsed.value.birthDate);
  if (!birth) return null;
  return ageInYears(birth, chinaDate(now)) < GUARDIAN_CONSENT_AGE;
}
