import {
  RateLimitedError,
  sha256Hex,
  type PasswordAttemptStore,
  type PasswordThrottle,
  type PasswordThrottlePolicy,
} from '../kernel/mod.ts';

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
/** How often this process asks again to free the slots the store did not free when asked. */
const owedReleaseRetryMs = 100;

const tooMany = (ms: number) => new RateLimitedError(seconds(ms), 'Too many failed logins; try again later.');
const busy = (ms: number) => new RateLimitedError(seconds(ms), 'This account’s password is being checked already; try again in a moment.');
const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export function createPasswordThrottle({
  store,
  onReleaseFailed = () => {},
}: {
  store: PasswordAttemptStore;
  /** Told when an account's slot could not be freed (it is freed once the store answers again). */
  onReleaseFailed?: (error: unknown) => void;
}): PasswordThrottle {
  // Slots this process took, or may have taken, and the store did not free (it was not answering),
  // by account, with when each frees itself anyway. Freed as soon as the store answers again, and
  // before this process begins another check of the account: the owner's retry of a login
  // answered 503 must not be refused as "being checked" by the check that failed.
  const owed = new Map<string, { holder: string; freesItselfAt: number }>();
  let retrying = false;

  async function free(key: string, holder: string) {
    await store.release(key, holder);
    if (owed.get(key)?.holder === holder) owed.delete(key);
  }

  function owe(key: string, holder: string) {
    owed.set(key, { holder, freesItselfAt: Date.now() + slotHoldMs });
    if (!retrying) void retryOwed();
  }

  async function retryOwed() {
    retrying = true;
    while (owed.size > 0) {
      await new Promise((resolve) => setTimeout(resolve, owedReleaseRetryMs));
      await Promise.all(
        [...owed].map(([key, { holder, freesItselfAt }]) =>
          freesItselfAt <= Date.now() ? owed.delete(key) : free(key, holder).catch(() => {}),
        ),
      );
    }
    retrying = false;
  }

  /** Frees the slot, or owes it when the store does not answer. */
  async function release(key: string, holder: string) {
    await free(key, holder).catch((error: unknown) => {
      owe(key, holder);
      onReleaseFailed(error);
    });
  }

  return {
    async clear(account) {
      await store.clear(await sha256Hex(account));
    },

    async attempt<T>(account: string, check: () => Promise<T>, passed: (result: T) => boolean): Promise<T> {
      // Keys are hashes: the store need not hold anyone's email address.
      const key = sha256Hex(account);
      const stale = owed.get(key);
      if (stale) await free(key, stale.holder); // a store still not answering fails this as begin would
      const holder = crypto.randomUUID();
      // One check per account at a time, taken with the block check in one step: parallel guesses
      // would otherwise all pass the check before any of their failures is recorded.
      const start = await store.begin(key, holder, slotHoldMs).catch((error: unknown) => {
        owe(key, holder); // it may have run, its answer lost
        throw error;
      });
      if (!start.started) throw start.reason === 'busy' ? busy(start.retryAfterMs) : tooMany(start.retryAfterMs);
      let result: T;
      try {
        result = await check();
      } catch (error) {
        await release(key, holder);
        throw error;
      }
      // The outcome counts before the caller hears it: if it cannot be recorded the answer is
      // 503, so a guess is never answered without being counted.
      await store.finish(key, holder, passed(result)).catch(async (error: unknown) => {
        await release(key, holder); // most likely down too: then owed
        throw error;
      });
      return result;
    },
  };
}
