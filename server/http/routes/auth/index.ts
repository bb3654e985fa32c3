import type { AnyRoute } from '../../route';
import { getCaptcha } from './captcha.route';
import { postLogin } from './login.route';
import { postLogout } from './logout.route';
import { postPasswordResetSms, postRecoveryComplete, postRecoveryRequest } from './password-reset.route';
import { postRegister } from './register.route';
import { postSmsCode } from './sms-codes.route';
import { postTeacherActivation } from './teacher-activation.route';
import { postUsernameRecovery } from './username-recovery.route';
import { postWechatLogin, postWechatPhone } from './wechat.route';

export const authRoutes: AnyRoute[] = [
  postSmsCode,
  getCaptcha,
  postRegister,
  postLogin,
  postLogout,
  postWechatLogin,
  postWechatPhone,
  postPasswordResetSms,
  postRecoveryRequest,
  postRecoveryComplete,
  postUsernameRecovery,
  postTeacherActivation,
];
