/**
 * Key fields decide identity: the registry match compares them, and changing
 * one after approval sends the profile through matching again. Contact fields
 * (phone, e-mail, address, guardian phone) are not key fields.
 */
import { normalizeResidentId } from '../identity/resident-id';
import { normalizePersonName } from '../person/name';

export const KEY_FIELDS = ['name', 'residentId', 'schoolId', 'grade', 'classId'] as const;

export type KeyField = (typeof KEY_FIELDS)[number];

/** Values of the key fields from any source (a submission, a registry row); absent ones may be null or omitted. */
export type KeyFieldValues = { [K in KeyField]?: string | null };

export interface KeyFieldDifference {
  field: KeyField;
  /** The normalised submitted value; null when absent. */
  submitted: string | null;
  /** The normalised registry value; null when absent. */
  registry: string | null;
}

const NORMALIZERS: Record<KeyField, (value: string) => string> = {
  name: normalizePersonName,
  residentId: normalizeResidentId,
  schoolId: (v) => v.trim().toLowerCase(),
  grade: (v) => v.trim().toUpperCase(),
  classId: (v) => v.trim().toLowerCase(),
};

/** The normalised value of one key field; null for absent or blank. */
export function normalizeKeyField(field: KeyField, value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const normalized = NORMALIZERS[field](value);
  return normalized === '' ? null : normalized;
}

/**
 * The key fields whose values differ after normalisation (trim, middle-dot and
 * full-width clean-up of names, upper-case X in IDs, case of ids), in KEY_FIELDS order.
 */
export function diffKeyFields(submitted: KeyFieldValues, registry: KeyFieldValues): KeyFieldDifference[] {
  const differences: KeyFieldDifference[] = [];
  for (const field of KEY_FIELDS) {
    const a = normalizeKeyField(field, submitted[field]);
    const b = normalizeKeyField(field, registry[field]);
    if (a !== b) differences.push({ field, submitted: a, registry: b });
  }
  return differences;
}

/** The key fields of a profile submission (or draft). */
export function keyFieldsOf(profile: {
  personal?: { name?: string | null; residentId?: string | null } | null;
  school?: { schoolId?: string | null; grade?: string | null; classId?: string | null } | null;
}): KeyFieldValues {
  return {
    name: profile.personal?.name ?? null,
    residentId: profile.personal?.residentId ?? null,
    schoolId: profile.school?.schoolId ?? null,
    grade: profile.school?.grade ?? null,
    classId: profile.school?.classId ?? null,
  };
}

/** True when a new version changes a key field of the previous one (it must be matched again). */
export function keyFieldsChanged(previous: KeyFieldValues, next: KeyFieldValues): boolean {
  return diffKeyFields(next, previous).length > 0;
}
