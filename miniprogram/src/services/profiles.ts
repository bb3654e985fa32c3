import Taro from '@tarojs/taro'
import { z } from 'zod'
import {
  DeleteStudentResponseSchema,
  GetDraftResponseSchema,
  ListClassesResponseSchema,
  ListStudentsResponseSchema,
  SaveDraftResponseSchema,
  SearchSchoolsResponseSchema,
  StudentDetailSchema,
  StudentSummarySchema,
  SubmissionResponseSchema,
  type UpdateContactRequest,
} from '../../../domain/api/profiles'
import type { Grade, ProfileDraft, ProfileSubmission } from '../../../domain/profile/schemas'
import { api } from './api-client'

/**
 * The family's profile calls (domain/api/profiles.ts is the contract): students,
 * drafts, submissions, the 电子档案 contact edit and the school → grade → class
 * lists of the form. Bodies are parsed by the pages with the same domain schemas
 * the server uses before they are sent.
 */

const enc = encodeURIComponent

export function listStudents(page = 1) {
  return api.get(`/api/students?page=${page}&pageSize=50`, ListStudentsResponseSchema)
}

export function createStudent() {
  return api.post('/api/students', {}, StudentSummarySchema)
}

/** One student; `revealResidentId` answers the full ID once (the server audits it). */
export function getStudent(studentId: string, options: { revealResidentId?: boolean } = {}) {
  const query = options.revealResidentId ? '?reveal=residentId' : ''
  return api.get(`/api/students/${enc(studentId)}${query}`, StudentDetailSchema)
}

export function getDraft(studentId: string) {
  return api.get(`/api/students/${enc(studentId)}/draft`, GetDraftResponseSchema)
}

export function saveDraft(studentId: string, draft: ProfileDraft) {
  return api.put(`/api/students/${enc(studentId)}/draft`, draft, SaveDraftResponseSchema)
}

export function submitProfile(studentId: string, profile: ProfileSubmission) {
  return api.post(`/api/students/${enc(studentId)}/submissions`, profile, SubmissionResponseSchema)
}

/** Delete a student never submitted (with its draft). */
export function deleteDraftStudent(studentId: string) {
  return api.delete(`/api/students/${enc(studentId)}`, DeleteStudentResponseSchema)
}

/** Take back a key-field change in review, or keep the current data after a return; the card stays valid. */
export function withdrawChange(studentId: string) {
  return api.post(`/api/students/${enc(studentId)}/change/withdraw`, {}, StudentDetailSchema)
}

export function updateContact(studentId: string, body: UpdateContactRequest) {
  return api.patch(`/api/students/${enc(studentId)}/contact`, body, StudentDetailSchema)
}

export function searchSchools(q: string, page = 1) {
  const query = q.trim() ? `&q=${enc(q.trim())}` : ''
  return api.get(`/api/schools?page=${page}&pageSize=20${query}`, SearchSchoolsResponseSchema)
}

/** A school's classes (of one grade, or all) and the grades it has. */
export function listClasses(schoolId: string, grade?: Grade) {
  const query = grade ? `?grade=${enc(grade)}` : ''
  return api.get(`/api/schools/${enc(schoolId)}/classes${query}`, ListClassesResponseSchema)
}

// --- one-time subscribe messages (weapp) -------------------------------------------------

/**
 * Where the subscribe template ids come from: GET /api/subscriptions
 * (`requestIds`) when the messaging API exists, else an optional
 * `subscribeTemplateIds` of GET /api/app-config. Either may be missing: then
 * nothing is asked.
 */
const SubscriptionIdsSchema = z.looseObject({ requestIds: z.array(z.string()).default([]) })
const AppConfigIdsSchema = z.looseObject({ subscribeTemplateIds: z.array(z.string()).default([]) })

let templateIds: Promise<string[]> | undefined

/** Loads (once) the template ids to ask for; [] when there are none. Call on page load, not on the tap. */
export function loadSubscribeTemplateIds(): Promise<string[]> {
  if (process.env.TARO_ENV !== 'weapp') return Promise.resolve([])
  if (!templateIds) {
    templateIds = api
      .get('/api/subscriptions', SubscriptionIdsSchema)
      .then((r) => r.requestIds)
      .catch(() => api.get('/api/app-config', AppConfigIdsSchema).then((r) => r.subscribeTemplateIds))
      .then((ids) => ids.filter((id) => id !== '').slice(0, 3))
      .catch(() => [])
    void templateIds.then((ids) => {
      if (ids.length === 0) templateIds = undefined // try again on the next page load
    })
  }
  return templateIds
}

/**
 * Inside a tap (weapp only): asks for the one-time permissions to send the
 * family's messages (review result, notices), with ids loaded beforehand
 * (WeChat needs the call inside the tap): on the submit tap, after approval,
 * when a notice is opened (hooks/useSubscribeRequest). Never throws and never
 * blocks what the tap does; the answers are posted to the server.
 */
export function requestSubscription(ids: readonly string[]): void {
  if (process.env.TARO_ENV !== 'weapp' || ids.length === 0) return
  try {
    Taro.requestSubscribeMessage({ tmplIds: [...ids], entityIds: [] } as unknown as Taro.requestSubscribeMessage.Option)
      .then((result) => {
        const results: Record<string, string> = {}
        for (const [key, value] of Object.entries(result as unknown as Record<string, unknown>)) {
          if (key !== 'errMsg' && typeof value === 'string') results[key] = value
        }
        return api.post('/api/subscriptions', { results })
      })
      .catch(() => undefined)
  } catch {
    // not supported by this WeChat version: submit anyway
  }
}
