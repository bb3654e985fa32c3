/**
 * The security services of one AppContext (rate limits, login guards, captchas,
 * tickets), built on first use over the context's Redis connection and cached
 * for the context's lifetime. Every Redis key is under `<QUEUE_PREFIX>:`, so
 * environments (and test files) sharing a Redis never share counters.
 */
import { LOGIN_LOCK_AFTER, LOGIN_LOCK_MINUTES, SMS_RESEND_SECONDS } from '../../domain/api/auth';
import type { AppContext } from '../context';
import { CaptchaStore, randomCaptchaText } from './captcha';
import { LoginGuard } from './login-guard';
import { Limiter, type LimitRule } from './rate-limits';
import { TicketStore } from './tickets';

/** Every rate limit of the accounts API, in one table. */
export const LIMIT_RULES = {
  /** One SMS code per phone per minute (SMS_RESEND_INTERVAL_S). */
  smsPerPhoneMinute: { name: 'sms-phone-min', points: 1, durationSeconds: SMS_RESEND_SECONDS },
  /** Ten SMS codes per phone per (rolling) day. */
  smsPerPhoneDay: { name: 'sms-phone-day', points: 10, durationSeconds: 24 * 3600 },
  /** Twenty SMS codes per client IP per hour (SMS_PER_IP_PER_HOUR: raise it where a school's NAT sends many families through one IP). */
  smsPerIp: { name: 'sms-ip', points: 20, durationSeconds: 3600 },
  /**
   * Failed sign-ins per client IP (spraying many usernames). Only failures count:
   * a school's NAT signs in many families from one address.
   */
  loginFailuresPerIp: { name: 'login-ip', points: 30, durationSeconds: 15 * 60 },
  /** Captchas per client IP (each one is a Redis entry for 5 minutes). */
  captchaPerIp: { name: 'captcha-ip', points: 120, durationSeconds: 10 * 60 },
  /** Failed sign-ins per login identifier (see LoginGuard). */
  loginFailures: { name: 'login-fail', points: LOGIN_LOCK_AFTER, durationSeconds: LOGIN_LOCK_MINUTES * 60 },
  /** Failed password resets by identity per login identifier. */
  identityResetFailures: { name: 'idreset-fail', points: LOGIN_LOCK_AFTER, durationSeconds: LOGIN_LOCK_MINUTES * 60 },
  /** Password resets by identity per client IP. */
  identityResetPerIp: { name: 'idreset-ip', points: 30, durationSeconds: 15 * 60 },
  /** Wrong current passwords per account when changing the password. */
  passwordChangeFailures: { name: 'pwchange-fail', points: 5, durationSeconds: 15 * 60 },
  /** WeChat phone-number look-ups per client IP (each one is billed by WeChat outside the education category). */
  wechatPhonePerIp: { name: 'wx-phone-ip', points: 30, durationSeconds: 3600 },
} as const satisfies Record<string, LimitRule>;

export type LimitName = keyof typeof LIMIT_RULES;

export interface Security {
  limits: Record<LimitName, Limiter>;
  loginGuard: LoginGuard;
  identityResetGuard: LoginGuard;
  captcha: CaptchaStore;
  tickets: TicketStore;
}

export interface SecurityOptions {
  /** Captcha text generator; tests pass a known one. */
  captchaText?: () => string;
}

const byContext = new WeakMap<AppContext, Security>();

function build(app: AppContext, options: SecurityOptions): Security {
  const prefix = app.config.QUEUE_PREFIX;
  const secret = app.config.SESSION_SECRET;
  const rules: Record<LimitName, LimitRule> = {
    ...LIMIT_RULES,
    smsPerPhoneMinute: { ...LIMIT_RULES.smsPerPhoneMinute, durationSeconds: app.config.SMS_RESEND_INTERVAL_S },
    smsPerIp: { ...LIMIT_RULES.smsPerIp, points: app.config.SMS_PER_IP_PER_HOUR },
  };
  const limits = Object.fromEntries(
    Object.entries(rules).map(([name, rule]) => [name, new Limiter(app.redis, prefix, rule)]),
  ) as Record<LimitName, Limiter>;
  return {
    limits,
    loginGuard: new LoginGuard(limits.loginFailures, secret),
    identityResetGuard: new LoginGuard(limits.identityResetFailures, secret),
    captcha: new CaptchaStore(app.redis, prefix, secret, options.captchaText ?? randomCaptchaText),
    tickets: new TicketStore(app.redis, prefix, secret),
  };
}

/** The security services of this context. */
export function security(app: AppContext): Security {
  let found = byContext.get(app);
  if (!found) {
    found = build(app, {});
    byContext.set(app, found);
  }
  return found;
}

/** Build (or rebuild) the security services of this context with options (tests). */
export function installSecurity(app: AppContext, options: SecurityOptions): Security {
  const built = build(app, options);
  byContext.set(app, built);
  return built;
}
