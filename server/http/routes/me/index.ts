import type { AnyRoute } from '../../route';
import { getMyDataExport, postMyCancellation, postMyCancellationCode } from './account-data.route';
import { getMe, postMyPassword, postMyPhone, postMyPhoneCode, postMyRecoveryCancel, postMyWechat } from './me.route';

export const meRoutes: AnyRoute[] = [
  getMe,
  postMyPassword,
  postMyWechat,
  postMyPhoneCode,
  postMyPhone,
  postMyRecoveryCancel,
  getMyDataExport,
  postMyCancellationCode,
  postMyCancellation,
];
