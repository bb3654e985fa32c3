import type { AnyRoute } from '../../route';
import { getConsoleMe, postConsoleLogin, postConsoleLogout, postConsolePassword, postConsoleVerify } from './console-auth.route';
import { consoleSchoolAdminRoutes } from './console-school-admin.route';
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
];
