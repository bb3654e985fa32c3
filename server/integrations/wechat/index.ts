/**
 * The WeChat integration of one process: the shared access tokens and the
 * client, built synchronously from the configuration.
 */
import type { Config } from '../../../config';
import type { Logger } from '../../logging/logger';
import type { Redis } from '../../redis';
import { createAccessTokens, type AccessTokens } from './access-token';
import { WechatApiClient, type WechatApi } from './wechat-api-client';

export { callWechat, TOKEN_ERRCODES, WechatApiClient, type WechatApi, type WechatRequest } from './wechat-api-client';
export { createAccessTokens, type AccessTokens, type TokenKind } from './access-token';
export * from './wechat-client';

type WechatConfig = Pick<
  Config,
  'WECHAT_API_BASE' | 'WECHAT_MP_APPID' | 'WECHAT_MP_SECRET' | 'WECHAT_OA_APPID' | 'WECHAT_OA_SECRET' | 'WECHAT_TOKEN_REFRESH_MARGIN_S' | 'QUEUE_PREFIX'
>;

/** The transport `callWechat` needs (issue #5 builds its message senders on it). */
export function createWechatApi(config: WechatConfig, deps: { redis: Redis; logger: Logger; tokens?: AccessTokens }): WechatApi {
  const logger = deps.logger.child({ component: 'wechat' });
  const tokens =
    deps.tokens ??
    createAccessTokens({
      apiBase: config.WECHAT_API_BASE,
      apps: {
        mp: { appid: config.WECHAT_MP_APPID, secret: config.WECHAT_MP_SECRET },
        oa: { appid: config.WECHAT_OA_APPID, secret: config.WECHAT_OA_SECRET },
      },
      redis: deps.redis,
      prefix: config.QUEUE_PREFIX,
      refreshMarginS: config.WECHAT_TOKEN_REFRESH_MARGIN_S,
      logger,
    });
  return { apiBase: config.WECHAT_API_BASE, tokens, logger };
}

export function createWechatClient(config: WechatConfig, deps: { redis: Redis; logger: Logger }): WechatApiClient {
  const api = createWechatApi(config, deps);
  return new WechatApiClient({ ...api, mpAppid: config.WECHAT_MP_APPID, mpSecret: config.WECHAT_MP_SECRET });
}
