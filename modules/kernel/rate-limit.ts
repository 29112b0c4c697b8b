/** Where a key stands in its window after (or without) a hit. */
export interface RateLimitState {
  /** False when this hit went over the limit, or the key is blocked. */
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Hits counted in the current window. */
  consumed: number;
  /** Until the window resets, or the block ends. */
  resetMs: number;
}

/**
 * Counts hits per key in a fixed window (`limit` per `windowSeconds`). Over the limit is an answer
 * (`allowed: false`), never a throw; a store that cannot answer throws UnavailableError.
 */
export interface RateLimiter {
  readonly limit: number;
  readonly windowSeconds: number;
  /** Counts one hit, atomically: of concurrent hits (across processes sharing a store) each sees its own count. */
  hit(key: string): Promise<RateLimitState>;
  /** The key's state without counting; null when it has no hits in the window. */
  peek(key: string): Promise<RateLimitState | null>;
  /** Refuses the key for `seconds` from now. */
  block(key: string, seconds: number): Promise<void>;
  /** Forgets the key. */
  reset(key: string): Promise<void>;
}

/**
 * Guards the password checks of each account against guessing: runs a check unless the account
 * is throttled, or already being checked, and records whether it passed. Throws RateLimitedError
 * instead of running it.
 */
export interface PasswordThrottle {
  attempt<T>(account: string, check: () => Promise<T>, passed: (result: T) => boolean): Promise<T>;
}
