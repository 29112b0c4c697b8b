import { RateLimitedError, sha256Hex, type RateLimiter } from '../kernel/mod.ts';

/**
 * Brute-force throttling per account (NIST 800-63B): the first 10 failures in 15 minutes cost
 * nothing; each further one blocks the account for 2^(n-10) s, up to 15 minutes; after 100
 * consecutive failures the account refuses logins until that window ends. While blocked even the
 * right password is refused, so guessing gains nothing by waiting less. A success clears it all.
 */
export interface LoginThrottleLimiters {
  /** 10 per 15 minutes. */
  recent: RateLimiter;
  /** 100 per window (e.g. 24 hours): the cap on consecutive failures. */
  consecutive: RateLimiter;
  /** Holds the growing blocks. */
  blocks: RateLimiter;
}

export interface LoginThrottle {
  /** Throws RateLimitedError when the account may not try now. */
  check(email: string): Promise<void>;
  failed(email: string): Promise<void>;
  succeeded(email: string): Promise<void>;
}

const maxBlockSeconds = 15 * 60;

// Keys are hashes: Redis need not hold anyone's email address.
const accountKey = (email: string) => sha256Hex(email.trim().toLowerCase());

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export function createLoginThrottle({ recent, consecutive, blocks }: LoginThrottleLimiters): LoginThrottle {
  return {
    async check(email) {
      const key = await accountKey(email);
      const [blocked, total] = await Promise.all([blocks.peek(key), consecutive.peek(key)]);
      if (blocked && !blocked.allowed) throw new RateLimitedError(seconds(blocked.resetMs), 'Too many failed logins; try again later.');
      if (total && total.consumed >= consecutive.limit) throw new RateLimitedError(seconds(total.resetMs), 'Too many failed logins; try again later.');
    },
    async failed(email) {
      const key = await accountKey(email);
      const [inWindow] = await Promise.all([recent.hit(key), consecutive.hit(key)]);
      if (!inWindow.allowed) {
        const over = inWindow.consumed - recent.limit;
        await blocks.block(key, Math.min(maxBlockSeconds, 2 ** Math.min(over, 10)));
      }
    },
    async succeeded(email) {
      const key = await accountKey(email);
      await Promise.all([recent.reset(key), consecutive.reset(key), blocks.reset(key)]);
    },
  };
}
