/**
 * Image captchas for sign-in after repeated failures and for manual recovery
 * requests: a PNG raster (rendered with @napi-rs/canvas, prebuilt Skia binaries,
 * no install script) with rotated, overlapping glyphs, interference curves and
 * speckle. An SVG captcha draws each glyph as a path that a script can match
 * against the font's outlines (issue 12, attack 2); a raster gives only pixels.
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
 * That is why the growing delay after LOGIN_DELAY_AFTER failures and the
 * per-IP limit stay in force with it.
 *
 * The text comes from crypto.randomInt over an alphabet without look-alikes
 * (0/O, 1/I/L), is answered case-insensitively, and is stored only as an HMAC
 * in Redis for 5 minutes; an answer is checked once (GETDEL), right or wrong.
 */
import { randomInt } from 'node:crypto';
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import { AppError } from '../../domain/errors';
import type { Redis } from '../redis';
import { newToken, purposeHmac, safeEqual } from './tokens';

export const CAPTCHA_TTL_SECONDS = 300;
export const CAPTCHA_LENGTH = 4;
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

export const CAPTCHA_WIDTH = 120;
export const CAPTCHA_HEIGHT = 44;

export interface Captcha {
  captchaId: string;
  /** data:image/png;base64,… */
  image: string;
  expiresIn: number;
}

/** A random number in [min, max) (crypto.randomInt: the distortion must not be predictable either). */
function rnd(min: number, max: number): number {
  return min + (randomInt(0, 1_000_000) / 1_000_000) * (max - min);
}

function fontFamily(): string {
  const families = GlobalFonts.families.map((f) => f.family);
  const preferred = ['DejaVu Sans', 'Noto Sans', 'Liberation Sans', 'Arial'];
  return preferred.find((f) => families.includes(f)) ?? families[0] ?? 'sans-serif';
}

/** The PNG of `text`: each glyph rotated, scaled and shifted at random, crossed by curves, with speckle. */
export function renderCaptchaPng(text: string): Buffer {
  const canvas = createCanvas(CAPTCHA_WIDTH, CAPTCHA_HEIGHT);
  const g = canvas.getContext('2d');
  const hue = randomInt(0, 360);
  g.fillStyle = `hsl(${hue}, 40%, 94%)`;
  g.fillRect(0, 0, CAPTCHA_WIDTH, CAPTCHA_HEIGHT);
  const family = fontFamily();
  const step = (CAPTCHA_WIDTH - 30) / text.length;
  for (let i = 0; i < text.length; i += 1) {
    g.save();
    g.translate(6 + step * i + rnd(0, step * 0.25), CAPTCHA_HEIGHT / 2 + rnd(-3, 3));
    g.rotate(rnd(-0.45, 0.45));
    g.transform(1, rnd(-0.2, 0.2), rnd(-0.3, 0.3), 1, 0, 0);
    g.font = `bold ${Math.round(rnd(24, 30))}px "${family}"`;
    g.textBaseline = 'middle';
    g.fillStyle = `hsl(${(hue + 180 + randomInt(-40, 41)) % 360}, 60%, ${randomInt(20, 40)}%)`;
    g.fillText(text[i]!, 0, 0);
    g.restore();
  }
  for (let i = 0; i < 3; i += 1) {
    g.beginPath();
    g.moveTo(0, rnd(5, CAPTCHA_HEIGHT - 5));
    g.bezierCurveTo(rnd(20, 50), rnd(0, CAPTCHA_HEIGHT), rnd(60, 100), rnd(0, CAPTCHA_HEIGHT), CAPTCHA_WIDTH, rnd(5, CAPTCHA_HEIGHT - 5));
    g.lineWidth = rnd(1, 2.2);
    g.strokeStyle = `hsla(${randomInt(0, 360)}, 50%, 35%, 0.8)`;
    g.stroke();
  }
  for (let i = 0; i < 120; i += 1) {
    g.fillStyle = `hsla(${randomInt(0, 360)}, 50%, ${randomInt(20, 80)}%, 0.7)`;
    g.fillRect(rnd(0, CAPTCHA_WIDTH), rnd(0, CAPTCHA_HEIGHT), 1.4, 1.4);
  }
  return canvas.toBuffer('image/png');
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
    const image = `data:image/png;base64,${renderCaptchaPng(text).toString('base64')}`;
    const captchaId = newToken(18);
    try {
      await this.redis.set(this.key(captchaId), this.answerHash(text), 'EX', CAPTCHA_TTL_SECONDS);
    } catch (err) {
      throw new AppError('SERVICE_UNAVAILABLE', { cause: err });
    }
    return { captchaId, image, expiresIn: CAPTCHA_TTL_SECONDS };
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
