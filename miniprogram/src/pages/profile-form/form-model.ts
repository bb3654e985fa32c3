import { CHILDREN_RULES_VERSION } from '../../../../domain/api/auth'
import { GRADES, MAX_GUARDIANS, type Grade } from '../../../../domain/profile/schemas'

/**
 * The profile form's state (strings as typed) and its conversion to the API
 * bodies: ProfileSubmissionSchema / ProfileDraftSchema parse these bodies on
 * both sides, so the page never re-implements a rule.
 */

export interface GuardianForm {
  name: string
  relation: string
  residentId: string
  phone: string
  address: string
}

export interface SchoolForm {
  schoolId: string
  /** Shown only; the body carries the ids. */
  schoolName: string
  schoolCode: string
  grade: string
  classId: string
  className: string
}

export interface ProfileForm {
  personal: { name: string; residentId: string; phone: string; email: string }
  school: SchoolForm
  guardians: GuardianForm[]
  consent: boolean
}

export const EMPTY_GUARDIAN: GuardianForm = { name: '', relation: '', residentId: '', phone: '', address: '' }

export const EMPTY_SCHOOL: SchoolForm = { schoolId: '', schoolName: '', schoolCode: '', grade: '', classId: '', className: '' }

export function emptyForm(): ProfileForm {
  return {
    personal: { name: '', residentId: '', phone: '', email: '' },
    school: { ...EMPTY_SCHOOL },
    guardians: [{ ...EMPTY_GUARDIAN }],
    consent: false,
  }
}

/** The field paths the page shows errors at (see useFormErrors). */
export function fieldPaths(guardianCount: number): string[] {
  const paths = [
    'personal.name',
    'personal.residentId',
    'personal.phone',
    'personal.email',
    'school.schoolId',
    'school.grade',
    'school.classId',
    'consent',
  ]
  for (let i = 0; i < guardianCount; i += 1) {
    for (const key of ['name', 'relation', 'residentId', 'phone', 'address']) paths.push(`guardians.${i}.${key}`)
  }
  return paths
}

/** The submission body (the consent only when given; the schema demands it under 14). */
export function submissionBody(form: ProfileForm, consentNeeded: boolean) {
  return {
    personal: { ...form.personal },
    school: { schoolId: form.school.schoolId, grade: form.school.grade, classId: form.school.classId },
    guardians: form.guardians.map((g) => ({ ...g })),
    ...(consentNeeded && form.consent
      ? { consent: { agreed: true, policyVersion: CHILDREN_RULES_VERSION, guardianIndex: 0 } }
      : {}),
  }
}

/** The draft body: blank fields are dropped by the schema, present ones validated. */
export function draftBody(form: ProfileForm) {
  return {
    personal: { ...form.personal },
    school: { schoolId: form.school.schoolId, grade: form.school.grade, classId: form.school.classId },
    guardians: form.guardians.map((g) => ({ ...g })),
  }
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}

/** A saved draft or the latest version (GET draft) as form state; school names are filled in later. */
export function formFromDraft(draft: Record<string, unknown> | null): ProfileForm {
  const form = emptyForm()
  if (!draft) return form
  const personal = record(draft.personal)
  form.personal = {
    name: str(personal.name),
    residentId: str(personal.residentId),
    phone: str(personal.phone),
    email: str(personal.email),
  }
  const school = record(draft.school)
  form.school = { ...EMPTY_SCHOOL, schoolId: str(school.schoolId), grade: str(school.grade), classId: str(school.classId) }
  const guardians = Array.isArray(draft.guardians) ? draft.guardians.slice(0, MAX_GUARDIANS) : []
  if (guardians.length > 0) {
    form.guardians = guardians.map((g) => {
      const r = record(g)
      return { name: str(r.name), relation: str(r.relation), residentId: str(r.residentId), phone: str(r.phone), address: str(r.address) }
    })
  }
  form.consent = record(draft.consent).agreed === true
  return form
}

export function isGrade(value: string): value is Grade {
  return (GRADES as readonly string[]).includes(value)
}
