import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryRateLimiter, createRedisRateLimiter, type RateLimiterOptions } from '../../adapters/ratelimit/rate-limiter.ts';
import { callRedis, createRedisClient } from '../../adapters/redis/client.ts';
import { createPasswordThrottle } from '../../modules/auth/mod.ts';
import { RateLimitedError, type PasswordThrottle, type RateLimiter } from '../../modules/kernel/mod.ts';
import { dropTestStores, testRedisUrl, uniqueName } from '../support/services.ts';

const prefix = uniqueName('throttle');
const redis = createRedisClient({ url: testRedisUrl });
afterAll(async () => {
  redis.disconnect();
  await dropTestStores([prefix]);
});

let throttles = 0;
const stores: Array<[string, (options: RateLimiterOptions) => RateLimiter]> = [
  ['memory', createMemoryRateLimiter],
  ['redis', (options) => createRedisRateLimiter({ redis, prefix: `${prefix}:${throttles}:`, ...options })],
];

for (const [store, limiter] of stores) {
  describe(`password throttle (${store} counts)`, () => {
    function throttle(): PasswordThrottle {
      throttles++;
      return createPasswordThrottle({
        recent: limiter({ name: 'recent', limit: 10, windowSeconds: 900 }),
        consecutive: limiter({ name: 'consecutive', limit: 100, windowSeconds: 86_400 }),
        blocks: limiter({ name: 'blocks', limit: 1, windowSeconds: 1 }),
        inFlight: limiter({ name: 'in-flight', limit: 1, windowSeconds: 10 }),
      });
    }
    const matches = (password: string) => async () => password === 'right';
    const guess = (t: PasswordThrottle, account: string, password = 'wrong') => t.attempt(account, matches(password), (ok) => ok);
    const refusal = (attempt: Promise<unknown>) => attempt.then(() => null, (error: unknown) => error as RateLimitedError);

    it('lets 10 failures through, then blocks the account, even for the right password', async () => {
      const t = throttle();
      for (let i = 0; i < 11; i++) expect(await guess(t, 'ada@example.com')).toBe(false); // the 11th may still try, and starts the block
      const blocked = await refusal(guess(t, 'ADA@example.com ', 'right'));
      expect(blocked).toBeInstanceOf(RateLimitedError);
      expect(blocked!.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(await guess(t, 'bob@example.com', 'right')).toBe(true); // other accounts are unaffected
    });

    it('blocks longer with each further failure, up to 15 minutes', async () => {
      // Blocks that end at once, so every failure runs; the throttle's block lengths are recorded.
      throttles++; // counters of this test's own
      const blocks = limiter({ name: 'blocks', limit: 1, windowSeconds: 1 });
      const lengths: number[] = [];
      const t = createPasswordThrottle({
        recent: limiter({ name: 'recent', limit: 10, windowSeconds: 900 }),
        consecutive: limiter({ name: 'consecutive', limit: 100, windowSeconds: 86_400 }),
        blocks: { ...blocks, peek: async () => null, block: async (_key, seconds) => void lengths.push(seconds) },
        inFlight: limiter({ name: 'in-flight', limit: 1, windowSeconds: 10 }),
      });
      for (let i = 0; i < 30; i++) await guess(t, 'ada@example.com');
      expect(lengths.slice(0, 4)).toEqual([2, 4, 8, 16]);
      expect(lengths).toHaveLength(20);
      expect(Math.max(...lengths)).toBe(900);
    });

    it('a success clears the count', async () => {
      const t = throttle();
      for (let i = 0; i < 9; i++) await guess(t, 'ada@example.com');
      expect(await guess(t, 'ada@example.com', 'right')).toBe(true);
      for (let i = 0; i < 10; i++) await guess(t, 'ada@example.com');
      expect(await guess(t, 'ada@example.com', 'right')).toBe(true);
    });

    it('runs one check per account at a time: guesses sent together get no more checks than sent one by one', async () => {
      const t = throttle();
      let checks = 0;
      const slowWrong = async () => {
        checks++;
        await new Promise((resolve) => setTimeout(resolve, 20));
        return false;
      };
      for (let burst = 0; burst < 15; burst++) {
        const outcomes = await Promise.all(Array.from({ length: 10 }, () => refusal(t.attempt('ada@example.com', slowWrong, (ok) => ok))));
        for (const outcome of outcomes) if (outcome) expect(outcome).toBeInstanceOf(RateLimitedError);
      }
      expect(checks).toBeLessThanOrEqual(11);
      expect(await refusal(guess(t, 'ada@example.com', 'right'))).toBeInstanceOf(RateLimitedError);
    });

    it('answers with the check’s outcome when its slot cannot be released, and says so', async () => {
      throttles++; // counters of this test's own
      const slots = limiter({ name: 'in-flight', limit: 1, windowSeconds: 10 });
      const reported: unknown[] = [];
      const t = createPasswordThrottle(
        {
          recent: limiter({ name: 'recent', limit: 10, windowSeconds: 900 }),
          consecutive: limiter({ name: 'consecutive', limit: 100, windowSeconds: 86_400 }),
          blocks: limiter({ name: 'blocks', limit: 1, windowSeconds: 1 }),
          inFlight: { ...slots, reset: async () => Promise.reject(new Error('store down')) },
        },
        (error) => reported.push(error),
      );
      expect(await guess(t, 'ada@example.com', 'right')).toBe(true);
      expect(reported).toEqual([new Error('store down')]);
    });

    it('frees the account when a check throws, and records no failure for it', async () => {
      const t = throttle();
      const broken = async (): Promise<boolean> => {
        throw new Error('hasher down');
      };
      await expect(t.attempt('ada@example.com', broken, (ok) => ok)).rejects.toThrow('hasher down');
      for (let i = 0; i < 10; i++) await guess(t, 'ada@example.com');
      expect(await guess(t, 'ada@example.com', 'right')).toBe(true); // still within the free 10
    });
  });
}
