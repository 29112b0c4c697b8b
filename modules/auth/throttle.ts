import { RateLimitedError, sha256Hex, type PasswordAttemptStore, type PasswordThrottle, type PasswordThrottlePolicy } from '../kernel/mod.ts';

/**
 * Brute-force throttling per account (NIST 800-63B): the first 10 failures in 15 minutes cost
 * nothing; each further one blocks the account for 2^(n-10) s, up to 15 minutes; after 100
 * consecutive failures the account refuses password checks for a day from the first. While
 * blocked even the right password is refused, so guessing gains nothing by waiting less. A
 * success clears it all.
 */
export const passwordThrottlePolicy: PasswordThrottlePolicy = {
  freeFailures: 10,
  windowMs: 15 * 60_000,
  maxBlockMs: 15 * 60_000,
  lockoutFailures: 100,
  lockoutMs: 24 * 60 * 60_000,
};

/**
 * How long an account's slot outlives a check that never ends it (its process died, or the
 * store stalled when it was to be freed). Longer than any check (argon2 behind its queue), short
 * enough that a lost release costs the account's owner a few seconds, not a lockout.
 */
const slotHoldMs = 5000;

const tooMany = (ms: number) => new RateLimitedError(seconds(ms), 'Too many failed logins; try again later.');
const busy = (ms: number) => new RateLimitedError(seconds(ms), 'This account’s password is being checked already; try again in a moment.');
const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export function createPasswordThrottle({
  store,
  onReleaseFailed = () => {},
}: {
  store: PasswordAttemptStore;
  /** Told when an account's slot could not be freed (it then frees itself after a few seconds). */
  onReleaseFailed?: (error: unknown) => void;
}): PasswordThrottle {
  return {
    async attempt<T>(account: string, check: () => Promise<T>, passed: (result: T) => boolean): Promise<T> {
      // Keys are hashes: the store need not hold anyone's email address.
      const key = await sha256Hex(account);
      const holder = crypto.randomUUID();
      // One check per account at a time, taken with the block check in one step: parallel guesses
      // would otherwise all pass the check before any of their failures is recorded.
      const start = await store.begin(key, holder, slotHoldMs);
      if (!start.started) throw start.reason === 'busy' ? busy(start.retryAfterMs) : tooMany(start.retryAfterMs);
      let result: T;
      try {
        result = await check();
      } catch (error) {
        await store.release(key, holder).catch(onReleaseFailed);
        throw error;
      }
      // The outcome counts before the caller hears it: if it cannot be recorded the answer is
      // 503, so a guess is never answered without being counted.
      await store.finish(key, holder, passed(result)).catch(async (error: unknown) => {
        await store.release(key, holder).catch(() => {}); // most likely down too: the slot then frees itself
        throw error;
      });
      return result;
    },
  };
}
