import { describe, expect, it } from 'vitest';
import { createMemoryPasswordAttemptStore } from '../../adapters/memory/password-attempt-store.ts';
import { manualClock } from './fixtures.ts';
import { createPasswordThrottle, passwordThrottlePolicy } from '../../modules/auth/mod.ts';
import {
  RateLimitedError,
  sha256Hex as sha256,
  UnavailableError,
  type PasswordAttemptStore,
  type PasswordThrottle,
} from '../../modules/kernel/mod.ts';

// The throttle's own logic over the memory store; the stores' behaviour is their contract's
// (tests/contracts/password-attempt-store.contract.ts), run on memory and Redis.
describe('password throttle', () => {
  const store = () => createMemoryPasswordAttemptStore({ policy: passwordThrottlePolicy });
  const throttle = (s: PasswordAttemptStore = store()) => createPasswordThrottle({ store: s });
  const matches = (password: string) => async () => password === 'right';
  const guess = (t: PasswordThrottle, account: string, password = 'wrong') => t.attempt(account, matches(password), (ok) => ok);
  const refusal = (attempt: Promise<unknown>) =>
    attempt.then(
      () => null,
      (error: unknown) => error as Error,
    );

  it('lets 10 failures through, then blocks the account, even for the right password', async () => {
    const t = throttle();
    for (let i = 0; i < 11; i++) expect(await guess(t, 'user:ada')).toBe(false); // the 11th may still try, and starts the block
    const blocked = await refusal(guess(t, 'user:ada', 'right'));
    expect(blocked).toBeInstanceOf(RateLimitedError);
    expect((blocked as RateLimitedError).retryAfterSeconds).toBe(2);
    expect(await guess(t, 'user:bob', 'right')).toBe(true); // other accounts are unaffected
  });

  it('clear() lifts a block and a lockout at once, for that account only, as a success would', async () => {
    const clock = manualClock();
    const t = throttle(createMemoryPasswordAttemptStore({ policy: passwordThrottlePolicy, clock }));
    for (let i = 0; i < passwordThrottlePolicy.lockoutFailures; i++) {
      expect(await guess(t, 'user:ada')).toBe(false);
      // Past each block (2 s, 4 s … up to 15 min), within the lockout's day: every guess is checked and counts.
      clock.advance(Math.min(passwordThrottlePolicy.maxBlockMs, 1000 * 2 ** Math.max(0, i + 1 - passwordThrottlePolicy.freeFailures)));
    }
    for (let i = 0; i < 11; i++) await refusal(guess(t, 'user:bob'));
    const locked = await refusal(guess(t, 'user:ada', 'right'));
    expect((locked as RateLimitedError).retryAfterSeconds).toBeGreaterThan(passwordThrottlePolicy.maxBlockMs / 1000); // the lockout
    await t.clear('user:ada');
    expect(await guess(t, 'user:ada', 'right')).toBe(true);
    expect(await refusal(guess(t, 'user:bob', 'right'))).toBeInstanceOf(RateLimitedError);
  });

  it('a success clears the count', async () => {
    const t = throttle();
    for (let i = 0; i < 9; i++) await guess(t, 'user:ada');
    expect(await guess(t, 'user:ada', 'right')).toBe(true);
    for (let i = 0; i < 10; i++) await guess(t, 'user:ada');
    expect(await guess(t, 'user:ada', 'right')).toBe(true);
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
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => refusal(t.attempt('user:ada', slowWrong, (ok) => ok))));
      for (const outcome of outcomes) if (outcome) expect(outcome).toBeInstanceOf(RateLimitedError);
    }
    expect(checks).toBeLessThanOrEqual(11);
    expect(await refusal(guess(t, 'user:ada', 'right'))).toBeInstanceOf(RateLimitedError);
  });

  it('frees the account when a check throws, and records no failure for it', async () => {
    const t = throttle();
    const broken = async (): Promise<boolean> => {
      throw new Error('hasher down');
    };
    await expect(t.attempt('user:ada', broken, (ok) => ok)).rejects.toThrow('hasher down');
    for (let i = 0; i < 10; i++) await guess(t, 'user:ada');
    expect(await guess(t, 'user:ada', 'right')).toBe(true); // still within the free 10
  });

  it('never answers a check whose outcome it could not record: the attempt fails with the store’s error', async () => {
    const s = store();
    const down = new UnavailableError('store down');
    const t = throttle({ ...s, finish: async () => Promise.reject(down) });
    await expect(guess(t, 'user:ada')).rejects.toBe(down);
    await expect(guess(t, 'user:ada', 'right')).rejects.toBe(down);
    expect(await s.begin(await sha256('user:ada'), 'next', 1000)).toEqual({ started: true }); // its slot was freed
  });

  it('gives the store hashes, never the account names it is handed', async () => {
    const s = store();
    const seen: string[] = [];
    const begin: PasswordAttemptStore['begin'] = async (account, ...rest) => {
      seen.push(account);
      return s.begin(account, ...rest);
    };
    await guess(throttle({ ...s, begin }), 'email:ada@example.com');
    expect(seen).toEqual([await sha256('email:ada@example.com')]);
  });

  describe('when the store did not answer as a check ended (a Redis stall)', () => {
    /** A store sharing `s`'s records whose finish and release fail while `down.now`. */
    function flaky(s: PasswordAttemptStore, down: { now: boolean }): PasswordAttemptStore {
      const unavailable = () => Promise.reject(new UnavailableError('store down'));
      return {
        ...s,
        finish: (...args) => (down.now ? unavailable() : s.finish(...args)),
        release: (...args) => (down.now ? unavailable() : s.release(...args)),
      };
    }

    it('checks the owner’s retry as soon as the store answers again, rather than refusing it as "being checked"', async () => {
      const down = { now: true };
      const t = throttle(flaky(store(), down));
      await expect(guess(t, 'user:ada', 'right')).rejects.toBeInstanceOf(UnavailableError);
      down.now = false;
      expect(await guess(t, 'user:ada', 'right')).toBe(true);
    });

    it('frees the slot within moments of the store answering again, for a retry that reaches another process', async () => {
      const shared = store();
      const down = { now: true };
      await expect(guess(throttle(flaky(shared, down)), 'user:ada', 'right')).rejects.toBeInstanceOf(UnavailableError);
      const elsewhere = throttle(shared);
      expect(await refusal(guess(elsewhere, 'user:ada', 'right'))).toBeInstanceOf(RateLimitedError); // still held
      down.now = false;
      const answered = performance.now();
      await expect.poll(() => guess(elsewhere, 'user:ada', 'right').catch(() => false), { interval: 20, timeout: 1000 }).toBe(true);
      expect(performance.now() - answered).toBeLessThan(500); // not the slot's 5 s
    });
  });
});
