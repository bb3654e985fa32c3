/** WeChat API failures as API errors. */
import { AppError } from '../../../domain/errors';
import { WechatApiError, WechatUnavailableError } from '../../integrations/wechat/wechat-client';
import { fieldError } from './errors';

/** errcodes that mean "this code is bad": invalid (40029), already used (40163), or not this app's (41008 missing). */
const BAD_CODE_ERRCODES = new Set([40029, 40163, 41008]);

export function toWechatAppError(err: unknown): unknown {
  if (err instanceof WechatApiError) {
    if (BAD_CODE_ERRCODES.has(err.errcode)) return fieldError('WECHAT_CODE_INVALID', 'code');
    if (err.errcode === 45011) return new AppError('RATE_LIMITED', { retryAfterSeconds: 60, cause: err });
    return new AppError('WECHAT_UNAVAILABLE', { cause: err });
  }
  if (err instanceof WechatUnavailableError) return new AppError('WECHAT_UNAVAILABLE', { cause: err });
  return err;
}

/** Run a WeChat call, translating its failures. */
export async function callWechat<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toWechatAppError(err);
  }
}
