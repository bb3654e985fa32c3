/**
 * Shared pieces of the profile use cases: reading a stored version back into
 * one object (decrypting its ID numbers and phones), presenting it masked,
 * the audit rows of the profile and review use cases, and ownership look-ups.
 */
import { and, eq } from 'drizzle-orm';
import type { AccountRole } from '../../../domain/api/auth';
import type { MaskedProfile } from '../../../domain/api/profiles';
import { AppError } from '../../../domain/errors';
import { maskEmail, maskPhone, maskResidentId } from '../../../domain/masking';
import { GRADE_LABELS, GUARDIAN_RELATION_LABELS, type Grade, type GuardianRelation, type ProfileSubmission } from '../../../domain/profile/schemas';
import type { PiiCipher } from '../../crypto/pii';
import type { DbOrTx } from '../../db/client';
import { classes, schools, students } from '../../db/schema';
import type { RequestMeta } from '../accounts/request-meta';
import { openProfilePii, sealProfileSnapshot, type ProfileData } from './profile-snapshot';

export type StudentRow = typeof students.$inferSelect;

/** A profile with every value in clear: what a version or a draft holds once decrypted. */
export interface ProfileContent {
  personal: { name: string; residentId: string; phone: string | null; email: string | null };
  school: { schoolId: string; grade: string; classId: string };
  guardians: { name: string; relation: string; residentId: string; phone: string; address: string }[];
}

/** Decrypt a stored version (data + pii_cipher) into one object. Server-side only: mask before it leaves. */
export function openVersionContent(pii: PiiCipher, row: { data: unknown; piiCipher: string }): ProfileContent {
  const secret = openProfilePii(pii, row.piiCipher);
  const data = row.data as ProfileData;
  return {
    personal: {
      name: data.personal.name,
      residentId: secret.studentResidentId,
      phone: secret.studentPhone ?? null,
      email: data.personal.email ?? null,
    },
    school: { schoolId: data.school.schoolId, grade: data.school.grade, classId: data.school.classId },
    guardians: (data.guardians ?? []).map((g, i) => ({
      name: g.name,
      relation: g.relation,
      address: g.address,
      residentId: secret.guardians[i]?.residentId ?? '',
      phone: secret.guardians[i]?.phone ?? '',
    })),
  };
}

/** A content object in the shape of a submission (optional contact fields left out when empty), with the consent given. */
export function submissionOf<Consent extends object>(content: ProfileContent, consent?: Consent | null) {
  return {
    personal: {
      name: content.personal.name,
      residentId: content.personal.residentId,
      ...(content.personal.phone ? { phone: content.personal.phone } : {}),
      ...(content.personal.email ? { email: content.personal.email } : {}),
    },
    school: content.school,
    guardians: content.guardians,
    ...(consent ? { consent } : {}),
  };
}

/** Seal a content object the way a submission is sealed (same columns, same encryption context). */
export function sealProfileContent(pii: PiiCipher, content: ProfileContent, consent?: ProfileSubmission['consent']) {
  return sealProfileSnapshot(pii, submissionOf(content, consent) as ProfileSubmission);
}

export interface SchoolClassNames {
  schoolName: string | null;
  schoolCode: string | null;
  className: string | null;
}

export async function schoolClassNames(db: DbOrTx, schoolId: string | null, classId: string | null): Promise<SchoolClassNames> {
  const [school] = schoolId ? await db.select({ name: schools.name, code: schools.code }).from(schools).where(eq(schools.id, schoolId)) : [];
  const [klass] = classId ? await db.select({ name: classes.name }).from(classes).where(eq(classes.id, classId)) : [];
  return { schoolName: school?.name ?? null, schoolCode: school?.code ?? null, className: klass?.name ?? null };
}

export function gradeLabel(grade: string | null): string | null {
  return grade && grade in GRADE_LABELS ? GRADE_LABELS[grade as Grade] : null;
}

export function relationLabel(relation: string): string {
  return GUARDIAN_RELATION_LABELS[relation as GuardianRelation] ?? relation;
}

/** The profile as shown back: ID numbers, phones and e-mail masked; names and addresses as typed (text, never HTML). */
export function presentMaskedProfile(content: ProfileContent, names: SchoolClassNames): MaskedProfile {
  return {
    personal: {
      name: content.personal.name,
      residentIdMasked: maskResidentId(content.personal.residentId),
      phoneMasked: content.personal.phone ? maskPhone(content.personal.phone) : null,
      emailMasked: content.personal.email ? maskEmail(content.personal.email) : null,
    },
    school: {
      schoolId: content.school.schoolId ?? null,
      schoolName: names.schoolName,
      schoolCode: names.schoolCode,
      grade: content.school.grade ?? null,
      gradeLabel: gradeLabel(content.school.grade),
      classId: content.school.classId ?? null,
      className: names.className,
    },
    guardians: content.guardians.map((g) => ({
      name: g.name,
      relation: g.relation,
      relationLabel: relationLabel(g.relation),
      residentIdMasked: maskResidentId(g.residentId),
      phoneMasked: maskPhone(g.phone),
      address: g.address,
    })),
  };
}

export interface Actor {
  id: string;
  role: AccountRole;
}

/**
 * The family's own student, optionally locked `for update`. Another family's
 * student (or an unknown id) is 404 NOT_FOUND, never 403: the answer does not
 * reveal that the student exists.
 */
export async function loadOwnStudent(
  db: DbOrTx,
  familyAccountId: string,
  studentId: string,
  options: { forUpdate?: boolean } = {},
): Promise<StudentRow> {
  const query = db
    .select()
    .from(students)
    .where(and(eq(students.id, studentId), eq(students.familyAccountId, familyAccountId)));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  if (!row) throw new AppError('NOT_FOUND');
  return row;
}

export function toIso(date: Date): string;
export function toIso(date: Date | null): string | null;
export function toIso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}
