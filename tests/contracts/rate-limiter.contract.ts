import { describe, expect, it } from 'vitest';
import { UnavailableError, type RateLimiter } from '../../modules/kernel/mod.ts';
import { itWhenStoreIsDown, recovered, timed, type StoreDown } from './support.ts';

/** Makes a limiter of `limit` hits per `windowSeconds`; each call gets a counter of its own. */
export type MakeRateLimiter = (options: { limit: number; windowSeconds: number }) => RateLimiter;

/** Limiters over a store that can be cut; `degrades` when they count in this process meanwhile. */
export interface DownRateLimiters {
  limiter: MakeRateLimiter;
  degrades: boolean;
}

/** The RateLimiter contract (modules/kernel/rate-limit.ts): every adapter passes it. */
export function describeRateLimiterContract(name: string, make: MakeRateLimiter, storeDown: StoreDown<DownRateLimiters>) {
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

    itWhenStoreIsDown(
      'hit() rejects with UnavailableError in time (a degrading limiter counts in this process), counts nothing in the store, and works again once it is back',
      storeDown,
      async ({ limiter: makeDown, degrades }, outage) => {
        const limiter = makeDown({ limit: 10, windowSeconds: 60 });
        const k = key();
        await limiter.hit(k);
        outage.cut();
        try {
          for (let i = 0; i < 3; i++) {
            const { ms, error } = await timed(() => limiter.hit(k));
            expect(ms).toBeLessThan(outage.failsWithinMs);
            if (degrades) expect(error).toBeNull();
            else expect(error).toBeInstanceOf(UnavailableError);
          }
        } finally {
          outage.restore();
        }
        // The store still holds the one hit from before: its next answer is 2. A hit counted in
        // this process (3 of them already) answers more, so polling for 2 waits for the store.
        await recovered(async () => {
          const { consumed } = await limiter.hit(k);
          if (consumed !== 2) throw new Error(`counted ${consumed}: not the store's count`);
        });
      },
    );
  });
}
