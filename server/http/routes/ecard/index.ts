import type { AnyRoute } from '../../route';
import { getEcardPublicKey, getStudentEcardRoute, postEcardReissue, postEcardRevocation, postEcardVerify } from './ecard.route';

export const ecardRoutes: AnyRoute[] = [getStudentEcardRoute, getEcardPublicKey, postEcardVerify, postEcardRevocation, postEcardReissue];
