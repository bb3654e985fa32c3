/**
 * The security services of one process (rate limits, login guards, captchas,
 * tickets), built by createContext over its Redis connection (ctx.security);
 * building connects nothing. Every Redis key is under `<QUEUE_PREFIX>:`, so
 * environments (and test files) sharing a Redis never share counters.
 */
import { LOGIN_FAILURE_WINDOW_HOURS, SMS_RESEND_SECONDS } from '../../domain/api/auth';
import type { Config } from '../../config';
import type { Redis } from '../redis';
import { CaptchaStore, randomCaptchaText } from './captcha';
import { LoginGuard } from './login-guard';
import { Limiter, type LimitRule } from './rate-limits';
import { TicketStore } from './tickets';

/** Every rate limit of the accounts API, in one table. */
export const LIMIT_RULES = {
  /**
   * One SMS code per phone AND purpose per minute (SMS_RESEND_INTERVAL_S); keyed
   * `<phone index>:<purpose>`, so codes of one purpose never block another.
   */
  smsPerPhoneMinute: { name: 'sms-phone-min', points: 1, durationSeconds: SMS_RESEND_SECONDS },
  /** Ten SMS codes per phone AND purpose per (rolling) day. */
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
  /** Failed sign-ins per account (see LoginGuard): a counter only, forgotten a day after the last failure. */
  loginFailures: { name: 'login-fail', points: 1_000_000, durationSeconds: LOGIN_FAILURE_WINDOW_HOURS * 3600 },
  /** The growing delays of LoginGuard (blocks of this 1-point limiter). */
  loginDelays: { name: 'login-delay', points: 1, durationSeconds: 1 },
  /** Registrations and teacher activations per client IP (each may cost an argon2 hash). */
  registerPerIp: { name: 'register-ip', points: 30, durationSeconds: 15 * 60 },
  /** Manual recovery requests (人工找回) per client IP. */
  recoveryPerIp: { name: 'recovery-ip', points: 10, durationSeconds: 3600 },
  /** Wrong current passwords per account when changing the password. */
  passwordChangeFailures: { name: 'pwchange-fail', points: 5, durationSeconds: 15 * 60 },
  /** WeChat phone-number look-ups per client IP (each one is billed by WeChat outside the education category). */
  wechatPhonePerIp: { name: 'wx-phone-ip', points: 30, durationSeconds: 3600 },
} as const satisfies Record<string, LimitRule>;

export type LimitName = keyof typeof LIMIT_RULES;

export interface Security {
  limits: Record<LimitName, Limiter>;
  loginGuard: LoginGuard;
  captcha: CaptchaStore;
  tickets: TicketStore;
}

export interface SecurityOptions {
  /** Captcha text generator; tests pass a known one. */
  captchaText?: () => string;
}

export type SecurityConfig = Pick<Config, 'QUEUE_PREFIX' | 'SESSION_SECRET' | 'SMS_RESEND_INTERVAL_S' | 'SMS_PER_IP_PER_HOUR'>;

export function createSecurity(config: SecurityConfig, redis: Redis, options: SecurityOptions = {}): Security {
  const prefix = config.QUEUE_PREFIX;
  const secret = config.SESSION_SECRET;
  const rules: Record<LimitName, LimitRule> = {
    ...LIMIT_RULES,
    smsPerPhoneMinute: { ...LIMIT_RULES.smsPerPhoneMinute, durationSeconds: config.SMS_RESEND_INTERVAL_S },
    smsPerIp: { ...LIMIT_RULES.smsPerIp, points: config.SMS_PER_IP_PER_HOUR },
  };
  const limits = Object.fromEntries(
    Object.entries(rules).map(([name, rule]) => [name, new Limiter(redis, prefix, rule)]),
  ) as Record<LimitName, Limiter>;
  return {
    limits,
    loginGuard: new LoginGuard(limits.loginFailures, limits.loginDelays, secret),
    captcha: new CaptchaStore(redis, prefix, secret, options.captchaText ?? randomCaptchaText),
    tickets: new TicketStore(redis, prefix, secret),
  };
}
