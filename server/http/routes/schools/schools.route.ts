/**
 * /api/schools: the school → grade → class pickers of the profile form. Any
 * signed-in account (schools and classes are not personal data; signing in
 * keeps the list from being scraped anonymously, and the form is only reached
 * signed in).
 */
import {
  ListClassesQuerySchema,
  ListClassesResponseSchema,
  SchoolIdParamsSchema,
  SearchSchoolsQuerySchema,
  SearchSchoolsResponseSchema,
} from '../../../../domain/api/profiles';
import { listSchoolClasses, searchSchools } from '../../../services/profiles/schools';
import { staleReads } from '../../../context';
import { defineRoute } from '../../route';

export const getSchools = defineRoute({
  method: 'get',
  path: '/api/schools',
  operationId: 'searchSchools',
  summary: 'Search schools by part of the name or the beginning of the 学校标识码',
  tags: ['schools'],
  access: 'authenticated',
  query: SearchSchoolsQuerySchema,
  responses: { 200: { description: 'By name, paged', schema: SearchSchoolsResponseSchema } },
  handler: async ({ koa, app, input }) => {
    koa.body = await searchSchools(staleReads(app), input.query);
  },
});

export const getSchoolClasses = defineRoute({
  method: 'get',
  path: '/api/schools/:schoolId/classes',
  operationId: 'listSchoolClasses',
  summary: "A school's classes (optionally of one grade) and the grades it has",
  tags: ['schools'],
  access: 'authenticated',
  params: SchoolIdParamsSchema,
  query: ListClassesQuerySchema,
  responses: { 200: { description: 'Grade order, then class name', schema: ListClassesResponseSchema }, 404: { description: 'NOT_FOUND' } },
  handler: async ({ koa, app, input }) => {
    koa.body = await listSchoolClasses(staleReads(app), input.params.schoolId, input.query);
  },
});
