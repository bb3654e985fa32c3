/**
 * What the registry match reads and records, a fixed number of statements for
 * any number of versions: the key fields of a version in the registry's terms,
 * the registry rows of their resident IDs, the submitters' phone indexes, and
 * the comparison stored on each version.
 */
import { eq, inArray, sql } from 'drizzle-orm';
import { normalizeResidentId } from '../../../domain/identity/resident-id';
import type { AppContext } from '../../context';
import type { Tx } from '../../db/client';
import { accounts, classes, profileVersions, registryRecords, schools } from '../../db/schema';
import { openProfilePii, readProfileData } from '../profiles/profile-snapshot';
import type { ProfileVersionRow } from '../reviews/review-approval';
import type { RegistryCandidate, RegistryComparison, SubmittedKeyFields } from './comparison';
import { recordedOutcome, type MatchDecision } from './decision';

/** The school code and class name of each version, by version id (one statement). */
export async function placesOf(tx: Tx, versionIds: readonly string[]): Promise<Map<string, { schoolCode: string | null; className: string | null }>> {
  if (versionIds.length === 0) return new Map();
  const rows = await tx
    .select({ id: profileVersions.id, schoolCode: schools.code, className: classes.name })
    .from(profileVersions)
    .leftJoin(schools, eq(schools.id, profileVersions.schoolId))
    .leftJoin(classes, eq(classes.id, profileVersions.classId))
    .where(inArray(profileVersions.id, [...versionIds]));
  return new Map(rows.map((r) => [r.id, { schoolCode: r.schoolCode, className: r.className }]));
}

/**
 * The key fields of a version in the registry's terms, given its school's code and its class's name. Decrypts the
 * snapshot: throws ProfileSnapshotError when it cannot be read.
 */
export function keyFieldsOf(
  ctx: Pick<AppContext, 'pii'>,
  version: Pick<ProfileVersionRow, 'piiCipher' | 'data' | 'grade'>,
  place: { schoolCode: string | null; className: string | null },
): SubmittedKeyFields {
  const pii = openProfilePii(ctx.pii, version.piiCipher);
  const data = readProfileData(version.data);
  return {
    name: data.personal.name,
    residentId: normalizeResidentId(pii.studentResidentId),
    schoolCode: place.schoolCode,
    grade: version.grade,
    className: place.className,
  };
}

/** The registry rows of the given resident ID blind indexes (one statement), with the index each was found by. */
export async function registryCandidates(
  tx: Tx,
  residentIdIndexes: readonly string[],
): Promise<(RegistryCandidate & { residentIdIndex: string })[]> {
  if (residentIdIndexes.length === 0) return [];
  return tx
    .select({
      registryId: registryRecords.id,
      residentIdIndex: registryRecords.residentIdIndex,
      name: registryRecords.name,
      schoolCode: registryRecords.schoolCode,
      grade: registryRecords.grade,
      className: registryRecords.className,
      registryStatus: registryRecords.registryStatus,
      guardianPhoneIndexes: registryRecords.guardianPhoneIndexes,
    })
    .from(registryRecords)
    .where(inArray(registryRecords.residentIdIndex, [...new Set(residentIdIndexes)]));
}

/** accounts.phone_index of each version's submitter, in order (one statement). */
export async function submitterPhoneIndexes(tx: Tx, versions: readonly Pick<ProfileVersionRow, 'submittedBy'>[]): Promise<(string | null)[]> {
  if (versions.length === 0) return [];
  const ids = [...new Set(versions.map((v) => v.submittedBy))];
  const rows = await tx.select({ id: accounts.id, phoneIndex: accounts.phoneIndex }).from(accounts).where(inArray(accounts.id, ids));
  const of = new Map(rows.map((r) => [r.id, r.phoneIndex]));
  return versions.map((v) => of.get(v.submittedBy) ?? null);
}

/** Store what the registry said (match_outcome, match_diff, matched_registry_id) of each version, in one statement. */
export async function recordComparisons(
  tx: Tx,
  rows: readonly { versionId: string; comparison: RegistryComparison; decision: MatchDecision }[],
): Promise<void> {
  if (rows.length === 0) return;
  const values = rows.map(({ versionId, comparison, decision }) => ({
    id: versionId,
    match_outcome: recordedOutcome(comparison, decision),
    match_diff: comparison.diff,
    matched_registry_id: comparison.registryId,
  }));
  await tx.execute(sql`
    update profile_versions v
       set match_outcome = u.match_outcome, match_diff = u.match_diff, matched_registry_id = u.matched_registry_id
      from jsonb_to_recordset(${JSON.stringify(values)}::jsonb)
           as u(id uuid, match_outcome text, match_diff jsonb, matched_registry_id uuid)
     where v.id = u.id`);
}
