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

    it('peek reads a key without counting, and is null for a key with no hits', async () => {
      const limiter = make({ limit: 2, windowSeconds: 60 });
      const k = key();
      expect(await limiter.peek(k)).toBeNull();
      await limiter.hit(k);
      expect(await limiter.peek(k)).toMatchObject({ allowed: true, consumed: 1, remaining: 1 });
      expect(await limiter.peek(k)).toMatchObject({ consumed: 1 });
    });

    it('a window ends: its hits are forgotten', async () => {
      const limiter = make({ limit: 1, windowSeconds: 1 });
      const k = key();
      await limiter.hit(k);
      expect((await limiter.hit(k)).allowed).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await limiter.hit(k)).allowed).toBe(true);
    });

    it('block refuses a key for the given time, whatever its count', async () => {
      const limiter = make({ limit: 5, windowSeconds: 60 });
      const k = key();
      await limiter.block(k, 30);
      const blocked = await limiter.peek(k);
      expect(blocked?.allowed).toBe(false);
      expect(blocked!.resetMs).toBeGreaterThan(25_000);
      expect((await limiter.hit(k)).allowed).toBe(false);
    });

    it('reset forgets a key, hits and block alike', async () => {
      const limiter = make({ limit: 1, windowSeconds: 60 });
      const [counted, blocked] = [key(), key()];
      await limiter.hit(counted);
      await limiter.block(blocked, 60);
      await limiter.reset(counted);
      await limiter.reset(blocked);
      expect(await limiter.peek(counted)).toBeNull();
      expect((await limiter.hit(counted)).allowed).toBe(true);
      expect((await limiter.hit(blocked)).allowed).toBe(true);
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
