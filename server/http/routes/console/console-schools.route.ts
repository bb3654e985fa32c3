/**
 * The console's school pages (server/services/console/console-schools.ts):
 * school admins their own school (another school: 404), operators every school.
 */
import {
  AssignHeadTeacherRequestSchema,
  AssignHeadTeacherResponseSchema,
  ClassIdParamsSchema,
  ListConsoleClassesQuerySchema,
  ListConsoleClassesResponseSchema,
  ListConsoleSchoolsQuerySchema,
  ListConsoleSchoolsResponseSchema,
  ListConsoleTeachersQuerySchema,
  ListConsoleTeachersResponseSchema,
  SchoolFunnelResponseSchema,
  SchoolIdParamsSchema,
} from '../../../../domain/api/console';
import { assignHeadTeacher, listConsoleSchools, listSchoolClasses, listSchoolTeachers, schoolFunnel } from '../../../services/console/console-schools';
import { staleReads } from '../../../context';
import { defineRoute } from '../../route';
import { noStore, requestMeta } from '../auth/request-meta';
import { CONSOLE_ACCESS } from './console-auth.route';

export const getConsoleSchools = defineRoute({
  method: 'get',
  path: '/api/console/schools',
  operationId: 'consoleListSchools',
  summary: 'Schools with their funnel totals (operator: every school; school admin: their own), paged, filtered and sorted',
  tags: ['console'],
  access: CONSOLE_ACCESS,
  query: ListConsoleSchoolsQuerySchema,
  responses: { 200: { description: 'A page of schools', schema: ListConsoleSchoolsResponseSchema } },
  handler: async ({ koa, app, input, auth }) => {
    noStore(koa);
    koa.body = await listConsoleSchools(staleReads(app), auth!.account, input.query);
  },
});

export const getConsoleSchoolFunnel = defineRoute({
  method: 'get',
  path: '/api/console/schools/:schoolId/funnel',
  operationId: 'consoleSchoolFunnel',
  summary: "The school's authentication funnel this semester, by grade (from the aggregates, a few seconds behind)",
  tags: ['console'],
  access: CONSOLE_ACCESS,
  params: SchoolIdParamsSchema,
  responses: {
    200: { description: 'The funnel', schema: SchoolFunnelResponseSchema },
    404: { description: 'NOT_FOUND (unknown school, or another school for a school admin)' },
  },
  handler: async ({ koa, app, input, auth }) => {
    noStore(koa);
    koa.body = await schoolFunnel(staleReads(app), auth!.account, input.params.schoolId);
  },
});

export const getConsoleSchoolClasses = defineRoute({
  method: 'get',
  path: '/api/console/schools/:schoolId/classes',
  operationId: 'consoleSchoolClasses',
  summary: "The school's classes with head teacher and funnel, paged, filtered (grade, missing head teacher) and sorted",
  tags: ['console'],
  access: CONSOLE_ACCESS,
  params: SchoolIdParamsSchema,
  query: ListConsoleClassesQuerySchema,
  responses: {
    200: { description: 'A page of classes', schema: ListConsoleClassesResponseSchema },
    404: { description: 'NOT_FOUND' },
  },
  handler: async ({ koa, app, input, auth }) => {
    noStore(koa);
    koa.body = await listSchoolClasses(staleReads(app), auth!.account, input.params.schoolId, input.query);
  },
});

export const getConsoleSchoolTeachers = defineRoute({
  method: 'get',
  path: '/api/console/schools/:schoolId/teachers',
  operationId: 'consoleSchoolTeachers',
  summary: "The school's teachers (phones masked), paged and filtered by name or username and status",
  tags: ['console'],
  access: CONSOLE_ACCESS,
  params: SchoolIdParamsSchema,
  query: ListConsoleTeachersQuerySchema,
  responses: {
    200: { description: 'A page of teachers', schema: ListConsoleTeachersResponseSchema },
    404: { description: 'NOT_FOUND' },
  },
  handler: async ({ koa, app, input, auth }) => {
    noStore(koa);
    koa.body = await listSchoolTeachers(app, auth!.account, input.params.schoolId, input.query);
  },
});

export const putConsoleHeadTeacher = defineRoute({
  method: 'put',
  path: '/api/console/schools/:schoolId/classes/:classId/head-teacher',
  operationId: 'consoleAssignHeadTeacher',
  summary: "Make a teacher of the school the class's head teacher: its waiting reviews move to them and they are told",
  tags: ['console'],
  access: CONSOLE_ACCESS,
  params: ClassIdParamsSchema,
  body: AssignHeadTeacherRequestSchema,
  responses: {
    200: { description: 'Assigned', schema: AssignHeadTeacherResponseSchema },
    400: { description: 'TEACHER_INVALID (not an active teacher of this school)' },
    404: { description: 'NOT_FOUND (class or school)' },
  },
  handler: async ({ koa, app, input, auth }) => {
    noStore(koa);
    koa.body = await assignHeadTeacher(app, auth!.account, { ...input.params, teacherId: input.body.teacherId }, requestMeta(koa));
  },
});
