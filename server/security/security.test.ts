import { randomBytes } from 'node:crypto';
import { createRedis } from '../redis';
import { hashPassword, needsRehash, verifyPassword } from './passwords';
import { Limiter, waitPhrase } from './rate-limits';
import { LoginGuard } from './login-guard';

describe('passwords', () => {
  it('hashes with argon2id (m=19 MiB, t=2, p=1) and verifies', async () => {
    const hash = await hashPassword('Blue-river-42');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(hash, 'Blue-river-42')).toBe(true);
    expect(await verifyPassword(hash, 'blue-river-42')).toBe(false);
    expect(needsRehash(hash)).toBe(false);
    expect(needsRehash('$argon2id$v=19$m=4096,t=3,p=1$c2FsdA$aGFzaA')).toBe(true);
  });

  it('spends one verification on a missing or malformed hash and answers false', async () => {
    await verifyPassword(null, 'warm-up-1');
    const started = performance.now();
    expect(await verifyPassword(null, 'Blue-river-42')).toBe(false);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThan(5); // a real argon2 verification ran
    expect(await verifyPassword('not-a-hash', 'x')).toBe(false);
  });
});

describe('rate limits when Redis does not answer', () => {
  const redis = createRedis('redis://127.0.0.1:1', 'producer');
  afterAll(() => {
    redis.disconnect();
  });

  it('degrades to the in-memory insurance limiter instead of failing', async () => {
    const limiter = new Limiter(redis, `test-${randomBytes(4).toString('hex')}`, { name: 'down', points: 2, durationSeconds: 60 });
    expect(await limiter.consume('k')).toBeNull();
    expect(await limiter.consume('k')).toBeNull();
    const wait = await limiter.consume('k');
    expect(wait).toBeGreaterThan(55);
    expect(wait).toBeLessThanOrEqual(60);
  });

  it('keeps counting login failures and delaying', async () => {
    const prefix = `test-${randomBytes(4).toString('hex')}`;
    const failures = new Limiter(redis, prefix, { name: 'fail', points: 1_000_000, durationSeconds: 86_400 });
    const delays = new Limiter(redis, prefix, { name: 'delay', points: 1, durationSeconds: 1 });
    const guard = new LoginGuard(failures, delays, 'secret-secret-secret-secret-secret');
    for (let i = 0; i < 4; i += 1) await guard.recordFailure(['a:x']);
    expect(await guard.state(['a:x'])).toMatchObject({ failures: 4, captchaRequired: true, delayedForSeconds: null, remainingAttempts: 1 });
    expect((await guard.recordFailure(['a:x'])).delayedForSeconds).toBe(60);
  });
});

describe('waitPhrase', () => {
  it.each([
    [1, '1 秒'],
    [56, '56 秒'],
    [60, '60 秒'],
    [61, '2 分钟'],
    [900, '15 分钟'],
    [3599, '60 分钟'],
    [3600, '1 小时'],
    [86_400, '24 小时'],
  ])('%i s → %s', (seconds, phrase) => {
    expect(waitPhrase(seconds)).toBe(phrase);
  });
});
