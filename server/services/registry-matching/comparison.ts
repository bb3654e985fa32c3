/**
 * The comparison of the registry match: a version's key fields against the
 * registry rows found for its resident ID. Pure: no database, no keys.
 */
import { compactIdentifier } from '../../../domain/text/normalize';
import { diffKeyFields, type KeyField } from '../../../domain/profile/key-fields';
import { maskResidentId } from '../../../domain/masking';
import type { MatchReviewReason } from '../../../domain/review/state-machine';

/** 学籍状态 of a student who is simply enrolled; anything else is transient for matching. */
export const REGISTRY_STATUS_ENROLLED = '在籍';

export type MatchOutcome = 'matched' | MatchReviewReason;

export type MatchDiffField = 'name' | 'residentId' | 'school' | 'grade' | 'class' | 'registryStatus';

/** One entry of profile_versions.match_diff. ID numbers are masked; school is the school code, class the class name. */
export interface MatchDiffEntry {
  field: MatchDiffField;
  submitted: string | null;
  registry: string | null;
}

/** The key fields of a version, in the registry's terms. */
export interface SubmittedKeyFields {
  name: string | null;
  residentId: string;
  schoolCode: string | null;
  grade: string | null;
  className: string | null;
}

export interface RegistryCandidate {
  /** registry_records.id */
  registryId: string;
  /** The decrypted ID of the row; absent when the row was found by the blind index of the submitted ID (then equal). */
  residentId?: string;
  name: string;
  schoolCode: string;
  grade: string;
  className: string;
  registryStatus: string;
  /** Blind indexes (kind 'phone') of the row's guardian phones; empty or absent when it names none. */
  guardianPhoneIndexes?: readonly string[];
}

export interface RegistryComparison {
  outcome: MatchOutcome;
  /** Null when matched or not found. */
  diff: MatchDiffEntry[] | null;
  /** registry_records.id of the row compared with; null when not found. */
  registryId: string | null;
  /** Guardian phone blind indexes of the row compared with (empty when not found or none). */
  guardianPhoneIndexes: readonly string[];
}

const DIFF_FIELD: Record<KeyField, MatchDiffField> = {
  name: 'name',
  residentId: 'residentId',
  schoolId: 'school',
  grade: 'grade',
  classId: 'class',
};

/** Class names are compared without spaces and full-width forms ("３ 班" is "3班"). */
function normalizeClassName(value: string | null): string | null {
  return value === null ? null : compactIdentifier(value);
}

/**
 * Compare the submitted key fields with the registry rows found for the
 * resident ID (usually one; several when a student also has an old temporary
 * number). The closest row wins: fewest differing fields, then 在籍, then the
 * lowest row id, so the result does not depend on row order.
 */
export function compareWithRegistry(submitted: SubmittedKeyFields, candidates: readonly RegistryCandidate[]): RegistryComparison {
  if (candidates.length === 0) return { outcome: 'not_found', diff: null, registryId: null, guardianPhoneIndexes: [] };
  const ranked = candidates
    .map((row) => {
      const enrolled = row.registryStatus.trim() === REGISTRY_STATUS_ENROLLED;
      const differences = diffKeyFields(
        {
          name: submitted.name,
          residentId: submitted.residentId,
          schoolId: submitted.schoolCode,
          grade: submitted.grade,
          classId: normalizeClassName(submitted.className),
        },
        {
          name: row.name,
          residentId: row.residentId ?? submitted.residentId,
          schoolId: row.schoolCode,
          grade: row.grade,
          classId: normalizeClassName(row.className),
        },
      );
      const diff: MatchDiffEntry[] = differences.map((d) => ({
        field: DIFF_FIELD[d.field],
        submitted: d.field === 'residentId' && d.submitted !== null ? maskResidentId(d.submitted) : d.submitted,
        registry: d.field === 'residentId' && d.registry !== null ? maskResidentId(d.registry) : d.registry,
      }));
      if (!enrolled) diff.push({ field: 'registryStatus', submitted: null, registry: row.registryStatus.trim() });
      return { row, enrolled, keyDifferences: differences.length, diff };
    })
    .sort(
      (a, b) =>
        a.keyDifferences - b.keyDifferences ||
        Number(b.enrolled) - Number(a.enrolled) ||
        (a.row.registryId < b.row.registryId ? -1 : a.row.registryId > b.row.registryId ? 1 : 0),
    );
  const best = ranked[0]!;
  const guardianPhoneIndexes = best.row.guardianPhoneIndexes ?? [];
  if (best.keyDifferences > 0) return { outcome: 'mismatch', diff: best.diff, registryId: best.row.registryId, guardianPhoneIndexes };
  if (!best.enrolled) return { outcome: 'transient_status', diff: best.diff, registryId: best.row.registryId, guardianPhoneIndexes };
  return { outcome: 'matched', diff: null, registryId: best.row.registryId, guardianPhoneIndexes };
}
