import type { AnyRoute } from '../../route';
import { getMe, postMyPassword, postMyWechat } from './me.route';

export const meRoutes: AnyRoute[] = [getMe, postMyPassword, postMyWechat];
