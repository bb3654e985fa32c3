/**
 * Safe deployment defaults (SECURITY.md, "Deployment"): what a development
 * build may do, and for whom.
 *
 * - A development or test server announces itself at start-up (one warning
 *   line) and binds only a loopback HOST unless ALLOW_DEV_ON_PUBLIC_HOST=true.
 * - Its conveniences answer loopback peers only, judged by the TCP socket's
 *   remote address (never X-Forwarded-For, whatever TRUST_PROXY says): every
 *   path under /api/dev (404 otherwise, as in production), the development
 *   WeChat codes `dev:<openid>` / `devphone:<phone>` that the fake WeChat
 *   accepts (403), and the e-card routes while the e-card key is the one
 *   derived from SESSION_SECRET (403: anyone knowing the secret could sign).
 * - Production refuses the fakes' base URLs and the dev SMS provider
 *   (config/index.ts) and any e-card key derived from a SESSION_SECRET
 *   (ecard-keys.ts), checked here before the server listens.
 */
import type { Middleware } from 'koa';
import { isLoopbackHost, type Config } from '../../config';
import { AppError } from '../../domain/errors';
import { ecardKeysFromConfig, usesDerivedEcardKey } from '../services/ecard/ecard-keys';
import type { RequestState } from './route';

type DeploymentConfig = Pick<Config, 'NODE_ENV' | 'HOST' | 'ALLOW_DEV_ON_PUBLIC_HOST' | 'ECARD_SIGNING_KEY' | 'ECARD_PREVIOUS_PUBLIC_KEYS' | 'SESSION_SECRET'>;

export class UnsafeDeploymentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeDeploymentError';
  }
}

/** The one start-up line of a non-production server (undefined in production). */
export function developmentModeNotice(config: Pick<Config, 'NODE_ENV'>): string | undefined {
  if (config.NODE_ENV === 'production') return undefined;
  return `DEVELOPMENT MODE (NODE_ENV=${config.NODE_ENV}): development keys, fake WeChat / WeChat Pay / SMS and the dev inbox are on, for this machine only. Never serve real families with it: set NODE_ENV=production.`;
}

/** Refuse to listen where this configuration must not: throws UnsafeDeploymentError. */
export function assertSafeDeployment(config: DeploymentConfig, host: string): void {
  if (config.NODE_ENV === 'production') {
    try {
      ecardKeysFromConfig(config);
    } catch (err) {
      throw new UnsafeDeploymentError(err instanceof Error ? err.message : String(err));
    }
    return;
  }
  if (!isLoopbackHost(host) && !config.ALLOW_DEV_ON_PUBLIC_HOST) {
    throw new UnsafeDeploymentError(
      `HOST=${host}: a ${config.NODE_ENV} server listens on loopback only (127.0.0.1, ::1, localhost). Set NODE_ENV=production with real keys to serve others, or ALLOW_DEV_ON_PUBLIC_HOST=true to expose a development server on purpose.`,
    );
  }
}

/** The TCP peer is this machine. Deliberately not ctx.ip: X-Forwarded-For is written by the client. */
export function isLoopbackPeer(remoteAddress: string | undefined): boolean {
  return remoteAddress !== undefined && isLoopbackHost(remoteAddress);
}

const DEV_WECHAT_CODE = /^dev(?:phone)?:/;
const ECARD_PATH = /^\/api\/ecard(?:\/|$)|^\/api\/students\/[^/]+\/ecard(?:\/|$)/;

function carriesDevWechatCode(body: unknown): boolean {
  return body !== null && typeof body === 'object' && typeof (body as { code?: unknown }).code === 'string' && DEV_WECHAT_CODE.test((body as { code: string }).code);
}

/** Runs after the JSON body parser, before the routes; does nothing in production (the conveniences do not exist there). */
export function developmentGuard(config: DeploymentConfig): Middleware<RequestState> {
  const production = config.NODE_ENV === 'production';
  const derivedKey = usesDerivedEcardKey(config);
  return async function guardDevelopmentConveniences(ctx, next) {
    if (production || isLoopbackPeer(ctx.req.socket.remoteAddress)) return next();
    if (ctx.path === '/api/dev' || ctx.path.startsWith('/api/dev/')) throw new AppError('NOT_FOUND');
    if (carriesDevWechatCode((ctx.request as { body?: unknown }).body)) {
      throw new AppError('FORBIDDEN', { message: '开发环境的微信测试登录码只接受本机请求' });
    }
    if (derivedKey && ECARD_PATH.test(ctx.path)) {
      throw new AppError('FORBIDDEN', { message: '开发环境的电子卡密钥只对本机开放；对外提供请设置 ECARD_SIGNING_KEY' });
    }
    return next();
  };
}
