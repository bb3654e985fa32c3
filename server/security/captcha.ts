/**
 * Image captchas (svg-captcha) for sign-in after repeated failures and for
 * password reset by identity.
 *
 * Why an image captcha and not an SMS code as the second factor after failed
 * sign-ins:
 * - Enumeration safety: an SMS challenge needs a phone on file, so "we sent a
 *   code to 138****5678" (or its absence) tells an attacker whether the username
 *   exists and leaks part of its phone. A captcha is shown identically for
 *   known and unknown identifiers.
 * - SMS bombing: anyone who types a victim's username could make us text the
 *   victim's phone again and again; a captcha never reaches a third party.
 * - Cost: every SMS is billed by the provider and counted against the phone's
 *   daily quota (which would then lock the real owner out of registration and
 *   recovery codes); a captcha costs a few milliseconds of CPU.
 * What it does not stop: an attacker who solves captchas (by OCR or by hand).
 * That is why the lock after LOGIN_LOCK_AFTER failures and the per-IP limit
 * stay in force with it.
 *
 * The text comes from crypto.randomInt over an alphabet without look-alikes
 * (0/O, 1/I/L), is answered case-insensitively, and is stored only as an HMAC
 * in Redis for 5 minutes; an answer is checked once (GETDEL), right or wrong.
 */
import { randomInt } from 'node:crypto';
import * as svgCaptchaModule from 'svg-captcha';
import { AppError } from '../../domain/errors';
import type { Redis } from '../redis';
import { newToken, purposeHmac, safeEqual } from './tokens';

export const CAPTCHA_TTL_SECONDS = 300;
export const CAPTCHA_LENGTH = 4;
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

type RenderCaptcha = (text: string, options: { width?: number; height?: number; noise?: number; color?: boolean; fontSize?: number }) => string;
// svg-captcha's module.exports is the render function; its typings only declare the helpers.
const renderCaptcha = ((svgCaptchaModule as unknown as { default?: unknown }).default ?? svgCaptchaModule) as RenderCaptcha;

export interface Captcha {
  captchaId: string;
  svg: string;
  expiresIn: number;
}

export function randomCaptchaText(length = CAPTCHA_LENGTH): string {
  let text = '';
  for (let i = 0; i < length; i += 1) text += ALPHABET[randomInt(ALPHABET.length)];
  return text;
}

export class CaptchaStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly secret: string,
    /** The text generator (tests pass a known one). */
    private readonly generateText: () => string = randomCaptchaText,
  ) {}

  private key(captchaId: string): string {
    return `${this.prefix}:auth:captcha:${purposeHmac(this.secret, 'captcha-id', captchaId)}`;
  }

  private answerHash(answer: string): string {
    return purposeHmac(this.secret, 'captcha-answer', answer.trim().toUpperCase());
  }

  async create(): Promise<Captcha> {
    const text = this.generateText();
    const svg = renderCaptcha(text, { width: 120, height: 44, fontSize: 48, noise: 3, color: true });
    const captchaId = newToken(18);
    try {
      await this.redis.set(this.key(captchaId), this.answerHash(text), 'EX', CAPTCHA_TTL_SECONDS);
    } catch (err) {
      throw new AppError('SERVICE_UNAVAILABLE', { cause: err });
    }
    return { captchaId, svg, expiresIn: CAPTCHA_TTL_SECONDS };
  }

  /** True when the answer is right; the captcha is spent either way. */
  async verify(captchaId: string | undefined, answer: string | undefined): Promise<boolean> {
    if (!captchaId || !answer) return false;
    let stored: string | null;
    try {
      stored = await this.redis.getdel(this.key(captchaId));
    } catch (err) {
      throw new AppError('SERVICE_UNAVAILABLE', { cause: err });
    }
    return stored !== null && safeEqual(stored, this.answerHash(answer));
  }
}
