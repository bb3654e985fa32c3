import type { AnyRoute } from '../../route';
import { getConsoleMe, postConsoleLogin, postConsoleLogout, postConsolePassword, postConsoleVerify } from './console-auth.route';
import { consoleSchoolAdminRoutes } from './console-school-admin.route';
import {
  getConsoleAudit,
  getConsoleOverview,
  getConsoleStaff,
  postConsoleStaff,
  postOrderShipping,
  postStaffPasswordReset,
  putStaffStatus,
  getSupportFamily,
  getSupportSearch,
  postStaffPagesSession,
  postSupportRefund,
  postSupportReveal,
  postSupportUnlock,
  putSchoolRegion,
} from './console-operator.route';
import { registryImportRoutes } from './registry-imports.route';
import { getConsoleSchoolClasses, getConsoleSchoolFunnel, getConsoleSchools, getConsoleSchoolTeachers, putConsoleHeadTeacher } from './console-schools.route';

export const consoleRoutes: AnyRoute[] = [
  postConsoleLogin,
  postConsoleVerify,
  getConsoleMe,
  postConsolePassword,
  postConsoleLogout,
  getConsoleSchools,
  getConsoleSchoolFunnel,
  getConsoleSchoolClasses,
  getConsoleSchoolTeachers,
  putConsoleHeadTeacher,
  ...consoleSchoolAdminRoutes,
  // the card centre's operators
  getSupportSearch,
  getSupportFamily,
  postSupportReveal,
  postSupportUnlock,
  postSupportRefund,
  getConsoleAudit,
  getConsoleOverview,
  putSchoolRegion,
  postStaffPagesSession,
  getConsoleStaff,
  postConsoleStaff,
  postStaffPasswordReset,
  putStaffStatus,
  ...registryImportRoutes,
  postOrderShipping,
];
