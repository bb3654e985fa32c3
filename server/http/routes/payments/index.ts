import type { AnyRoute } from '../../route';
import { postWechatPayNotify } from './wechatpay-notify.route';

export const paymentRoutes: AnyRoute[] = [postWechatPayNotify];
