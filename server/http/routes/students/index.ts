import type { AnyRoute } from '../../route';
import { getStudent, getStudentDraft, listMyStudents, patchContact, postStudent, postSubmission, putDraft } from './students.route';

export const studentRoutes: AnyRoute[] = [listMyStudents, postStudent, getStudent, getStudentDraft, putDraft, postSubmission, patchContact];
