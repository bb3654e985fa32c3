/**
 * How a submitted profile is stored in a profile_versions row: the personal
 * data that must never rest in plaintext (resident ID numbers, phones) goes
 * into one encrypted JSON document (`pii_cipher`, context PROFILE_PII_CONTEXT),
 * everything else into `data` (jsonb). The submit use case writes with
 * `sealProfileSnapshot`; the registry match and the review pages read with
 * `openProfilePii` and `readProfileData`.
 */
import { z } from 'zod';
import type { ProfileSubmission } from '../../../domain/profile/schemas';
import type { PiiCipher } from '../../crypto/pii';

/** Additional authenticated data of profile_versions.pii_cipher. */
export const PROFILE_PII_CONTEXT = 'profile_versions.pii';

export const ProfilePiiSchema = z.object({
  studentResidentId: z.string().min(1),
  studentPhone: z.string().nullish(),
  guardians: z.array(z.object({ residentId: z.string(), phone: z.string() })).default([]),
});
export type ProfilePii = z.output<typeof ProfilePiiSchema>;

/** What the match reads of `data`; other keys are kept as they are. */
export const ProfileDataSchema = z.looseObject({
  personal: z.looseObject({ name: z.string() }),
});

export interface ProfileData {
  personal: { name: string; email?: string | null };
  school: { schoolId: string; grade: string; classId: string };
  guardians: { name: string; relation: string; address: string }[];
  consent?: { agreed: true; policyVersion: string; guardianIndex: number } | undefined;
}

export interface SealedProfileSnapshot {
  data: ProfileData;
  piiCipher: string;
  /** Blind index of the student's normalised resident ID (profile_versions.resident_id_index). */
  residentIdIndex: string;
}

/** Split a validated submission (outputs are normalised) into the columns of a profile_versions row. */
export function sealProfileSnapshot(pii: PiiCipher, submission: ProfileSubmission): SealedProfileSnapshot {
  const secret: ProfilePii = {
    studentResidentId: submission.personal.residentId,
    studentPhone: submission.personal.phone ?? null,
    guardians: submission.guardians.map((g) => ({ residentId: g.residentId, phone: g.phone })),
  };
  return {
    data: {
      personal: { name: submission.personal.name, email: submission.personal.email ?? null },
      school: { ...submission.school },
      guardians: submission.guardians.map((g) => ({ name: g.name, relation: g.relation, address: g.address })),
      ...(submission.consent ? { consent: submission.consent } : {}),
    },
    piiCipher: pii.encrypt(JSON.stringify(secret), PROFILE_PII_CONTEXT),
    residentIdIndex: pii.blindIndex('resident_id', secret.studentResidentId),
  };
}

/** A stored snapshot that cannot be read (wrong key or context, tampered, or not the expected shape): retrying will not help. */
export class ProfileSnapshotError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'ProfileSnapshotError';
  }
}

/** Decrypt and validate the personal data of a version; throws ProfileSnapshotError. */
export function openProfilePii(pii: PiiCipher, piiCipher: string): ProfilePii {
  try {
    return ProfilePiiSchema.parse(JSON.parse(pii.decrypt(piiCipher, PROFILE_PII_CONTEXT)));
  } catch (cause) {
    // The message names the failure, never the content.
    throw new ProfileSnapshotError(`personal data of the profile version cannot be read (${(cause as Error).name})`, { cause });
  }
}

/** The non-secret part of a version; throws ProfileSnapshotError. */
export function readProfileData(data: unknown): z.output<typeof ProfileDataSchema> {
  const parsed = ProfileDataSchema.safeParse(data);
  if (!parsed.success) throw new ProfileSnapshotError('profile version data has an unexpected shape', { cause: parsed.error });
  return parsed.data;
}
