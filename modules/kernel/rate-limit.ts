/** Where a key stands in its window after (or without) a hit. */
export interface RateLimitState {
  /** False when this hit went over the limit. */
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Hits counted in the current window. */
  consumed: number;
  /** Until the window resets. */
  resetMs: number;
}

/**
 * Counts hits per key in a fixed window (`limit` per `windowSeconds`). Over the limit is an answer
 * (`allowed: false`), never a throw.
 */
export interface RateLimiter {
  readonly limit: number;
  readonly windowSeconds: number;
  /**
   * Counts one hit, atomically: of concurrent hits (across processes sharing a store) each sees its
   * own count. Store down: UnavailableError, the hit not counted unless only the answer was lost,
   * except where the adapter can answer from what it already holds (hits leased from the store, a
   * window known to be used up); a limiter built to degrade counts it in this process instead
   * (counts are then per process).
   */
  hit(key: string): Promise<RateLimitState>;
}
