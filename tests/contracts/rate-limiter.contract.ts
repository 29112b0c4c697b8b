import { describe, expect, it } from 'vitest';
import type { RateLimiter } from '../../modules/kernel/mod.ts';

/** Makes a limiter of `limit` hits per `windowSeconds`; each call gets a counter of its own. */
export type MakeRateLimiter = (options: { limit: number; windowSeconds: number }) => RateLimiter;

/** The RateLimiter contract (modules/kernel/rate-limit.ts): every adapter passes it. */
export function describeRateLimiterContract(name: string, make: MakeRateLimiter) {
  describe(`RateLimiter contract: ${name}`, () => {
    const key = () => crypto.randomUUID();

    it('allows `limit` hits per key in a window, then refuses, counting down `remaining`', async () => {
      const limiter = make({ limit: 3, windowSeconds: 60 });
      const k = key();
      const states = [];
      for (let i = 0; i < 4; i++) states.push(await limiter.hit(k));
      expect(states.map((s) => [s.allowed, s.remaining, s.consumed])).toEqual([
        [true, 2, 1],
        [true, 1, 2],
        [true, 0, 3],
        [false, 0, 4],
      ]);
      expect(states[3]!.limit).toBe(3);
      expect(states[3]!.resetMs).toBeGreaterThan(0);
      expect(states[3]!.resetMs).toBeLessThanOrEqual(60_000);
      expect((await limiter.hit(key())).allowed).toBe(true); // other keys are unaffected
    });

    it('a window ends: its hits are forgotten', async () => {
      const limiter = make({ limit: 1, windowSeconds: 1 });
      const k = key();
      await limiter.hit(k);
      expect((await limiter.hit(k)).allowed).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await limiter.hit(k)).allowed).toBe(true);
    });

    it('counts concurrent hits exactly: of many at once on a limit of 1, one is allowed', async () => {
      const limiter = make({ limit: 1, windowSeconds: 60 });
      const k = key();
      const states = await Promise.all(Array.from({ length: 50 }, () => limiter.hit(k)));
      expect(states.filter((s) => s.allowed)).toHaveLength(1);
      expect(Math.max(...states.map((s) => s.consumed))).toBe(50);
    });
  });
}
