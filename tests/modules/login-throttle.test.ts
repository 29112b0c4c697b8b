import { describe, expect, it } from 'vitest';
import { createMemoryRateLimiter } from '../../adapters/ratelimit/rate-limiter.ts';
import { createLoginThrottle } from '../../modules/auth/mod.ts';
import { RateLimitedError } from '../../modules/kernel/mod.ts';

function throttle() {
  return createLoginThrottle({
    recent: createMemoryRateLimiter({ name: 'recent', limit: 10, windowSeconds: 900 }),
    consecutive: createMemoryRateLimiter({ name: 'consecutive', limit: 100, windowSeconds: 86_400 }),
    blocks: createMemoryRateLimiter({ name: 'blocks', limit: 1, windowSeconds: 1 }),
  });
}

describe('login throttle', () => {
  it('lets 10 failures through, then blocks the account, even for the right password', async () => {
    const t = throttle();
    for (let i = 0; i < 10; i++) {
      await t.check('ada@example.com');
      await t.failed('ada@example.com');
    }
    await t.check('ada@example.com'); // the 11th attempt may still try…
    await t.failed('ada@example.com'); // …and failing it starts the block
    const blocked = await t.check('ADA@example.com ').catch((error: unknown) => error);
    expect(blocked).toBeInstanceOf(RateLimitedError);
    expect((blocked as RateLimitedError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    await t.check('bob@example.com'); // other accounts are unaffected
  });

  it('blocks longer with each further failure, up to 15 minutes', async () => {
    const t = throttle();
    const retryAfter = async () => ((await t.check('ada@example.com').catch((e: unknown) => e)) as RateLimitedError).retryAfterSeconds;
    for (let i = 0; i < 11; i++) await t.failed('ada@example.com');
    const first = await retryAfter();
    for (let i = 0; i < 3; i++) await t.failed('ada@example.com');
    const later = await retryAfter();
    expect(later).toBeGreaterThan(first);
    for (let i = 0; i < 20; i++) await t.failed('ada@example.com');
    expect(await retryAfter()).toBeLessThanOrEqual(900);
  });

  it('refuses every attempt after 100 consecutive failures', async () => {
    const t = throttle();
    for (let i = 0; i < 100; i++) await t.failed('ada@example.com');
    await expect(t.check('ada@example.com')).rejects.toBeInstanceOf(RateLimitedError);
  });

  it('a success clears the count', async () => {
    const t = throttle();
    for (let i = 0; i < 9; i++) await t.failed('ada@example.com');
    await t.succeeded('ada@example.com');
    for (let i = 0; i < 10; i++) await t.failed('ada@example.com');
    await t.check('ada@example.com');
  });
});
