import type { AnyRoute } from '../../route';
import { getEcardPublicKey, getStudentEcardRoute, postEcardVerify } from './ecard.route';

export const ecardRoutes: AnyRoute[] = [getStudentEcardRoute, getEcardPublicKey, postEcardVerify];
