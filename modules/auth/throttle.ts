import { RateLimitedError, sha256Hex, type PasswordThrottle, type RateLimiter } from '../kernel/mod.ts';

/**
 * Brute-force throttling per account (NIST 800-63B): the first 10 failures in 15 minutes cost
 * nothing; each further one blocks the account for 2^(n-10) s, up to 15 minutes; after 100
 * consecutive failures the account refuses password checks until that window ends. While blocked
 * even the right password is refused, so guessing gains nothing by waiting less. A success clears
 * it all.
 */
export interface PasswordThrottleLimiters {
  /** 10 per 15 minutes. */
  recent: RateLimiter;
  /** 100 per window (e.g. 24 hours): the cap on consecutive failures. */
  consecutive: RateLimiter;
  /** Holds the growing blocks. */
  blocks: RateLimiter;
  /**
   * 1 per window, released when the check ends: the account's check in flight. The window only
   * bounds a slot whose process died mid-check; it must outlast any check (argon2, remote retries),
   * or a check that overruns it may overlap one other.
   */
  inFlight: RateLimiter;
}

const maxBlockSeconds = 15 * 60;
const tooMany = (seconds: number) => new RateLimitedError(seconds, 'Too many failed logins; try again later.');
const busy = () => new RateLimitedError(1, 'This account’s password is being checked already; try again in a moment.');

// Keys are hashes: Redis need not hold anyone's email address.
const accountKey = (account: string) => sha256Hex(account.trim().toLowerCase());

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export function createPasswordThrottle(
  { recent, consecutive, blocks, inFlight }: PasswordThrottleLimiters,
  /** Told when an account's slot could not be released (it then frees itself when its window ends). */
  onReleaseFailed: (error: unknown) => void = () => {},
): PasswordThrottle {
  async function refuseIfThrottled(key: string) {
    const [blocked, total] = await Promise.all([blocks.peek(key), consecutive.peek(key)]);
    if (blocked && !blocked.allowed) throw tooMany(seconds(blocked.resetMs));
    if (total && total.consumed >= consecutive.limit) throw tooMany(seconds(total.resetMs));
  }

  async function recordFailure(key: string) {
    const [inWindow] = await Promise.all([recent.hit(key), consecutive.hit(key)]);
    if (!inWindow.allowed) await blocks.block(key, Math.min(maxBlockSeconds, 2 ** Math.min(inWindow.consumed - recent.limit, 10)));
  }

  return {
    async attempt(account, check, passed) {
      const key = await accountKey(account);
      // One check per account at a time, taken before reading the counts: parallel guesses would
      // otherwise all read them before any of their failures is recorded.
      if (!(await inFlight.hit(key)).allowed) throw busy();
      try {
        // Before the check (argon2): a throttled account costs no hashing, and a right guess gains nothing.
        await refuseIfThrottled(key);
        const result = await check();
        if (passed(result)) await Promise.all([recent.reset(key), consecutive.reset(key), blocks.reset(key)]);
        else await recordFailure(key);
        return result;
      } finally {
        // A slot that cannot be released (the store is down) frees itself when its window ends;
        // the outcome of the check stands.
        await inFlight.reset(key).catch(onReleaseFailed);
      }
    },
  };
}
