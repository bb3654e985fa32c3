/**
 * The console's school administration routes (server/services/console/
 * console-teachers.ts and console-classes.ts): school admins their own school
 * (another school: 404), operators every school; the stranded reviews list is
 * the operators' only.
 */
import {
  ActivationSmsResponseSchema,
  AddTeacherRequestSchema,
  AddTeacherResponseSchema,
  DisableTeacherResponseSchema,
  ListClassStudentsQuerySchema,
  ListClassStudentsResponseSchema,
  SchoolActivityQuerySchema,
  SchoolActivityResponseSchema,
  StrandedReviewsResponseSchema,
  TeacherIdParamsSchema,
  TeacherImportRequestSchema,
  TeacherImportResponseSchema,
} from '../../../../domain/api/console-school';
import { ClassIdParamsSchema, SchoolIdParamsSchema } from '../../../../domain/api/console';
import { exportClassXlsx, listClassStudents, schoolActivity, strandedReviews } from '../../../services/console/console-classes';
import { addTeacher, disableTeacher, importTeachersUpload, resendActivationSms } from '../../../services/console/console-teachers';
import { defineRoute, type AnyRoute } from '../../route';
import { noStore, requestMeta } from '../auth/request-meta';
import { CONSOLE_ACCESS } from './console-auth.route';

const tags = ['console'];

export const postConsoleTeacher = defineRoute({
  method: 'post',
  path: '/api/console/schools/:schoolId/teachers',
  operationId: 'consoleAddTeacher',
  summary: 'Add one teacher of the school (the rules of a teachers-file row); the account waits for its activation',
  tags,
  access: CONSOLE_ACCESS,
  params: SchoolIdParamsSchema,
  body: AddTeacherRequestSchema,
  responses: {
    200: { description: 'Added', schema: AddTeacherResponseSchema },
    400: { description: 'VALIDATION_FAILED: the field and why' },
    404: { description: 'NOT_FOUND' },
  },
  handler: async ({ koa, app, input, auth }) => {
    noStore(koa);
    koa.body = await addTeacher(app, auth!.account, input.params.schoolId, input.body, requestMeta(koa));
  },
});

export const postConsoleTeacherImport = defineRoute({
  method: 'post',
  path: '/api/console/schools/:schoolId/teachers/import',
  operationId: 'consoleImportTeachers',
  summary: "Import a teachers file (CSV, base64) of the school, all or nothing: dryRun answers the validation report and writes nothing",
  tags,
  access: CONSOLE_ACCESS,
  params: SchoolIdParamsSchema,
  body: TeacherImportRequestSchema,
  responses: {
    200: { description: 'The report (ok false: the problems, nothing written)', schema: TeacherImportResponseSchema },
    400: { description: 'VALIDATION_FAILED: body.fileName / body.contentBase64' },
    404: { description: 'NOT_FOUND' },
  },
  handler: async ({ koa, app, input, auth }) => {
    noStore(koa);
    koa.body = await importTeachersUpload(app, auth!.account, input.params.schoolId, input.body, requestMeta(koa));
  },
});

export const postConsoleTeacherDisable = defineRoute({
  method: 'post',
  path: '/api/console/schools/:schoolId/teachers/:teacherId/disable',
  operationId: 'consoleDisableTeacher',
  summary: "Disable a teacher: sessions end, classes they head are flagged, their waiting reviews go to the school admin",
  tags,
  access: CONSOLE_ACCESS,
  params: TeacherIdParamsSchema,
  responses: { 200: { description: 'Disabled', schema: DisableTeacherResponseSchema }, 404: { description: 'NOT_FOUND' } },
  handler: async ({ koa, app, input, auth }) => {
    noStore(koa);
    koa.body = await disableTeacher(app, auth!.account, input.params, requestMeta(koa));
  },
});

export const postConsoleActivationSms = defineRoute({
  method: 'post',
  path: '/api/console/schools/:schoolId/teachers/:teacherId/activation-sms',
  operationId: 'consoleResendActivationSms',
  summary: 'Send the teacher the activation SMS again (pending accounts only; once per 10 minutes)',
  tags,
  access: CONSOLE_ACCESS,
  params: TeacherIdParamsSchema,
  responses: {
    200: { description: 'Queued', schema: ActivationSmsResponseSchema },
    404: { description: 'NOT_FOUND' },
    409: { description: 'CONFLICT: already active or disabled' },
    429: { description: 'RATE_LIMITED: sent a moment ago' },
  },
  handler: async ({ koa, app, input, auth }) => {
    noStore(koa);
    koa.body = await resendActivationSms(app, auth!.account, input.params, requestMeta(koa));
  },
});

export const getConsoleClassStudents = defineRoute({
  method: 'get',
  path: '/api/console/schools/:schoolId/classes/:classId/students',
  operationId: 'consoleClassStudents',
  summary: "A class's students: status and card (names and ID numbers masked), paged, filtered by status",
  tags,
  access: CONSOLE_ACCESS,
  params: ClassIdParamsSchema,
  query: ListClassStudentsQuerySchema,
  responses: { 200: { description: 'A page of students', schema: ListClassStudentsResponseSchema }, 404: { description: 'NOT_FOUND' } },
  handler: async ({ koa, app, input, auth }) => {
    noStore(koa);
    koa.body = await listClassStudents(app, auth!.account, input.params, input.query);
  },
});

export const getConsoleClassExport = defineRoute({
  method: 'get',
  path: '/api/console/schools/:schoolId/classes/:classId/export.xlsx',
  operationId: 'consoleExportClass',
  summary: "The class's status list as XLSX (names and ID numbers masked); audited",
  tags,
  access: CONSOLE_ACCESS,
  params: ClassIdParamsSchema,
  responses: { 200: { description: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }, 404: { description: 'NOT_FOUND' } },
  handler: async ({ koa, app, input, auth }) => {
    const file = await exportClassXlsx(app, auth!.account, input.params, requestMeta(koa));
    noStore(koa);
    koa.set('Content-Disposition', `attachment; filename="class.xlsx"; filename*=UTF-8''${encodeURIComponent(file.fileName)}`);
    koa.type = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
    koa.body = file.body;
  },
});

export const getConsoleSchoolActivity = defineRoute({
  method: 'get',
  path: '/api/console/schools/:schoolId/activity',
  operationId: 'consoleSchoolActivity',
  summary: "The school's daily submissions and decisions and the time to decision (from the aggregates, a few seconds behind)",
  tags,
  access: CONSOLE_ACCESS,
  params: SchoolIdParamsSchema,
  query: SchoolActivityQuerySchema,
  responses: { 200: { description: 'Per day, oldest first', schema: SchoolActivityResponseSchema }, 404: { description: 'NOT_FOUND' } },
  handler: async ({ koa, app, input, auth }) => {
    noStore(koa);
    koa.body = await schoolActivity(app, auth!.account, input.params.schoolId, input.query.days);
  },
});

export const getConsoleStrandedReviews = defineRoute({
  method: 'get',
  path: '/api/console/stranded-reviews',
  operationId: 'consoleStrandedReviews',
  summary: 'Operators: waiting reviews with no active reviewer (no head teacher and no school admin), by school',
  tags,
  // Console roles reach the route (a school admin is refused by the service: 403), so the console-session rule holds for both.
  access: CONSOLE_ACCESS,
  responses: { 200: { description: 'By school, longest waiting first', schema: StrandedReviewsResponseSchema } },
  handler: async ({ koa, app, auth }) => {
    noStore(koa);
    koa.body = await strandedReviews(app, auth!.account);
  },
});

export const consoleSchoolAdminRoutes: AnyRoute[] = [
  postConsoleTeacher,
  postConsoleTeacherImport,
  postConsoleTeacherDisable,
  postConsoleActivationSms,
  getConsoleClassStudents,
  getConsoleClassExport,
  getConsoleSchoolActivity,
  getConsoleStrandedReviews,
];
