import type { AnyRoute } from '../../route';
import { getSchoolClasses, getSchools } from './schools.route';

export const schoolRoutes: AnyRoute[] = [getSchools, getSchoolClasses];
