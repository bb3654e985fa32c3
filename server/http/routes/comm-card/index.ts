import type { AnyRoute } from '../../route';
import { getCommCardProducts, getStudentCommCard, postBindPhone, postCommCardOrder } from './comm-card.route';

export const commCardRoutes: AnyRoute[] = [getCommCardProducts, getStudentCommCard, postBindPhone, postCommCardOrder];
