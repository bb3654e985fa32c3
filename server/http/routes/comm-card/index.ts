import type { AnyRoute } from '../../route';
import { deleteCommCardBinding, getCommCardProducts, getStudentCommCard, postBindPhone, postCommCardOrder } from './comm-card.route';

export const commCardRoutes: AnyRoute[] = [getCommCardProducts, getStudentCommCard, postBindPhone, deleteCommCardBinding, postCommCardOrder];
