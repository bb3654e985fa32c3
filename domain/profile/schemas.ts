/**
 * Zod schemas of the student profile, shared by the mini-program (form
 * validation) and the server (request validation). Outputs are normalised
 * (IDs upper-case, phones as 11 digits, names with U+00B7 dots, …). Every
 * object is strict: an unknown field is refused at its path (SECURITY.md).
 *
 * Checks that depend on today's date (student and guardian ages, the under-14
 * consent rule) read `clock()` at parse time; the factories take a clock for
 * tests, and the exported constants use the current time.
 */
import { z } from 'zod';
import { errorMessage } from '../errors';
import { optionalEmailSchema } from '../contact/email';
import { optionalPhoneSchema, phoneSchema } from '../contact/phone';
import { residentIdSchema } from '../identity/resident-id';
import { personNameSchema } from '../person/name';
import { checkFreeText, codePointLength, removeControlCharacters } from '../text/normalize';
import { parsedStringSchema } from '../validation/field-schema';
import { type ParseResult, fail, ok } from '../validation/result';
import { requiresGuardianConsent } from './guardian-consent';

export interface ProfileSchemaOptions {
  /** Source of "now" for age checks; read at every parse. Defaults to the system time. */
  clock?: () => Date;
}

export const GRADES = ['K1', 'K2', 'K3', 'P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'J1', 'J2', 'J3', 'S1', 'S2', 'S3'] as const;
export type Grade = (typeof GRADES)[number];

export const GRADE_LABELS: Readonly<Record<Grade, string>> = {
  K1: '幼儿园小班',
  K2: '幼儿园中班',
  K3: '幼儿园大班',
  P1: '一年级',
  P2: '二年级',
  P3: '三年级',
  P4: '四年级',
  P5: '五年级',
  P6: '六年级',
  J1: '初一',
  J2: '初二',
  J3: '初三',
  S1: '高一',
  S2: '高二',
  S3: '高三',
};

export const GUARDIAN_RELATIONS = [
  'father',
  'mother',
  'grandfather_paternal',
  'grandmother_paternal',
  'grandfather_maternal',
  'grandmother_maternal',
  'other_relative',
  'legal_guardian',
] as const;
export type GuardianRelation = (typeof GUARDIAN_RELATIONS)[number];

export const GUARDIAN_RELATION_LABELS: Readonly<Record<GuardianRelation, string>> = {
  father: '父亲',
  mother: '母亲',
  grandfather_paternal: '爷爷',
  grandmother_paternal: '奶奶',
  grandfather_maternal: '外公',
  grandmother_maternal: '外婆',
  other_relative: '其他亲属',
  legal_guardian: '其他监护人',
};

export const MIN_GUARDIANS = 1;
export const MAX_GUARDIANS = 2;
export const MAX_ADDRESS_LENGTH = 120;
export const MAX_POLICY_VERSION_LENGTH = 64;

export function parseAddress(input: string): ParseResult<string> {
  const text = typeof input === 'string' ? checkFreeText(input) : ok('');
  if (!text.ok) return text;
  const address = removeControlCharacters(text.value).trim();
  if (address === '') return fail('REQUIRED');
  return codePointLength(address) > MAX_ADDRESS_LENGTH ? fail('ADDRESS_LENGTH') : ok(address);
}

export const addressSchema = parsedStringSchema(parseAddress, 'REQUIRED');

function idSchema(code: 'SCHOOL_INVALID' | 'CLASS_INVALID') {
  const error = errorMessage(code);
  return z.string({ error }).trim().toLowerCase().pipe(z.uuid({ error }));
}

export function personalInfoSchema(options: ProfileSchemaOptions = {}) {
  return z.strictObject({
    name: personNameSchema,
    residentId: residentIdSchema('student', options),
    phone: optionalPhoneSchema,
    email: optionalEmailSchema,
  });
}

export const SchoolInfoSchema = z.strictObject({
  schoolId: idSchema('SCHOOL_INVALID'),
  grade: z.enum(GRADES, { error: errorMessage('GRADE_INVALID') }),
  classId: idSchema('CLASS_INVALID'),
});

export function guardianSchema(options: ProfileSchemaOptions = {}) {
  return z.strictObject({
    name: personNameSchema,
    relation: z.enum(GUARDIAN_RELATIONS, { error: errorMessage('GUARDIAN_RELATION_INVALID') }),
    residentId: residentIdSchema('guardian', options),
    phone: phoneSchema,
    address: addressSchema,
  });
}

export function guardiansSchema(options: ProfileSchemaOptions = {}) {
  const error = errorMessage('GUARDIANS_COUNT');
  return z.array(guardianSchema(options), { error }).min(MIN_GUARDIANS, { error }).max(MAX_GUARDIANS, { error });
}

/** The guardian's consent to processing the child's data; guardianIndex points into `guardians`. */
export const GuardianConsentSchema = z.strictObject({
  agreed: z.literal(true, { error: errorMessage('GUARDIAN_CONSENT_REQUIRED') }),
  policyVersion: z
    .string({ error: errorMessage('REQUIRED') })
    .trim()
    .min(1, { error: errorMessage('REQUIRED') })
    .max(MAX_POLICY_VERSION_LENGTH, { error: errorMessage('VALIDATION_FAILED') }),
  guardianIndex: z.literal([0, 1], { error: errorMessage('GUARDIAN_CONSENT_GUARDIAN') }),
});

type Issue = { path: (string | number)[]; code: Parameters<typeof errorMessage>[0] };

/** Cross-field rules of a submission; defensive because it also runs when fields already failed. */
function submissionIssues(
  value: {
    personal?: { residentId?: unknown };
    guardians?: Array<{ residentId?: unknown }>;
    consent?: { guardianIndex?: unknown } | undefined;
  },
  now: Date,
): Issue[] {
  const issues: Issue[] = [];
  const studentId = typeof value.personal?.residentId === 'string' ? value.personal.residentId : null;
  const guardians = Array.isArray(value.guardians) ? value.guardians : [];

  if (studentId && !value.consent && requiresGuardianConsent(studentId, now) === true) {
    issues.push({ path: ['consent'], code: 'GUARDIAN_CONSENT_REQUIRED' });
  }
  const index = value.consent?.guardianIndex;
  if (typeof index === 'number' && guardians.length > 0 && index >= guardians.length) {
    issues.push({ path: ['consent', 'guardianIndex'], code: 'GUARDIAN_CONSENT_GUARDIAN' });
  }
  const seen: string[] = [];
  guardians.forEach((guardian, i) => {
    const id = typeof guardian?.residentId === 'string' ? guardian.residentId : null;
    if (!id) return;
    if (id === studentId) issues.push({ path: ['guardians', i, 'residentId'], code: 'GUARDIAN_ID_IS_STUDENT' });
    else if (seen.includes(id)) issues.push({ path: ['guardians', i, 'residentId'], code: 'GUARDIAN_DUPLICATE_ID' });
    seen.push(id);
  });
  return issues;
}

/**
 * A complete profile as submitted for review. Besides each field's rules:
 * a student under 14 needs the guardian's consent, the consenting guardian
 * must exist, two guardians cannot share an ID, and no guardian can have the
 * student's ID.
 */
export function profileSubmissionSchema(options: ProfileSchemaOptions = {}) {
  const clock = options.clock ?? (() => new Date());
  return z
    .strictObject({
      personal: personalInfoSchema(options),
      school: SchoolInfoSchema,
      guardians: guardiansSchema(options),
      consent: GuardianConsentSchema.optional(),
    })
    .superRefine((value, ctx) => {
      for (const issue of submissionIssues(value, clock())) {
        ctx.addIssue({ code: 'custom', path: issue.path, message: errorMessage(issue.code), params: { code: issue.code } });
      }
    });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Drafts come from half-filled forms: a blank or null field counts as not filled in. */
function withoutBlankFields(value: unknown): unknown {
  if (!isRecord(value)) return value;
  const kept: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field === null || (typeof field === 'string' && field.trim() === '')) continue;
    kept[key] = field;
  }
  return kept;
}

/**
 * A saved draft: every part and field optional (blank counts as absent), but
 * every field that is present is validated like in a submission. Cross-field
 * rules and the consent wait for the submission (consent is given when submitting).
 */
export function profileDraftSchema(options: ProfileSchemaOptions = {}) {
  return z.strictObject({
    personal: z.preprocess(withoutBlankFields, personalInfoSchema(options).partial()).optional(),
    school: z.preprocess(withoutBlankFields, SchoolInfoSchema.partial()).optional(),
    guardians: z
      .array(z.preprocess(withoutBlankFields, guardianSchema(options).partial()), {
        error: errorMessage('GUARDIANS_COUNT'),
      })
      .max(MAX_GUARDIANS, { error: errorMessage('GUARDIANS_COUNT') })
      .optional(),
  });
}

export const PersonalInfoSchema = personalInfoSchema();
export const GuardianSchema = guardianSchema();
export const GuardiansSchema = guardiansSchema();
export const ProfileSubmissionSchema = profileSubmissionSchema();
export const ProfileDraftSchema = profileDraftSchema();

export type PersonalInfo = z.output<typeof PersonalInfoSchema>;
export type SchoolInfo = z.output<typeof SchoolInfoSchema>;
export type Guardian = z.output<typeof GuardianSchema>;
export type GuardianConsent = z.output<typeof GuardianConsentSchema>;
export type ProfileSubmission = z.output<typeof ProfileSubmissionSchema>;
export type ProfileSubmissionInput = z.input<typeof ProfileSubmissionSchema>;
export type ProfileDraft = z.output<typeof ProfileDraftSchema>;
