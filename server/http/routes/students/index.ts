import type { AnyRoute } from '../../route';
import { attachmentRoutes } from './attachments.route';
import { deleteStudent, getStudent, getStudentDraft, listMyStudents, patchContact, postStudent, postSubmission, postWithdrawChange, putDraft } from './students.route';

export const studentRoutes: AnyRoute[] = [listMyStudents, postStudent, getStudent, getStudentDraft, putDraft, postSubmission, patchContact, postWithdrawChange, deleteStudent, ...attachmentRoutes];
