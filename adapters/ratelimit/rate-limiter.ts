import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { UnavailableError, type RateLimiter, type RateLimitState } from '../../modules/kernel/mod.ts';
import { createRedisLeaseLimiter } from './redis-leases.ts';

export interface RateLimiterOptions {
  /** Names the counter; keys of different limiters never collide. */
  name: string;
  limit: number;
  windowSeconds: number;
}

function stateOf(res: RateLimiterRes, limit: number, allowed: boolean): RateLimitState {
  return {
    allowed,
    limit,
    remaining: Math.max(0, res.remainingPoints),
    consumed: res.consumedPoints,
    resetMs: Math.max(0, res.msBeforeNext),
  };
}

/** Counts in this process only: the monolith's default, and the fallback of the Redis limiter. */
export function createMemoryRateLimiter({ name, limit, windowSeconds }: RateLimiterOptions): RateLimiter {
  const limiter = new RateLimiterMemory({ keyPrefix: name, points: limit, duration: windowSeconds });
  return {
    limit,
    windowSeconds,
    // "Over the limit" is a value. Memory never fails; UnavailableError keeps the port's promise if the library ever does.
    hit: (key) =>
      limiter.consume(key).then(
        (res) => stateOf(res, limit, true),
        (error: unknown) => {
          if (error instanceof RateLimiterRes) return stateOf(error, limit, false);
          throw new UnavailableError('The rate-limit store is unavailable.', { cause: error });
        },
      ),
  };
}

/** `shared`, or `local` for a hit that `shared` cannot answer. */
function withFallback(shared: RateLimiter, local: RateLimiter): RateLimiter {
  return {
    limit: shared.limit,
    windowSeconds: shared.windowSeconds,
    hit: (key) =>
      shared.hit(key).catch((error: unknown) => {
        if (!(error instanceof UnavailableError)) throw error;
        return local.hit(key);
      }),
  };
}

/**
 * Counts in Redis, so every instance shares the counts, in leases of hits spent locally (see
 * createRedisLeaseLimiter): most hits need no round trip, and the instances together never admit
 * more than the limit. With `fallBackToMemory`, a hit that needs Redis while it is unreachable is
 * counted in this process instead (general per-IP limits); without it, it fails with
 * UnavailableError. Calls go through callRedis, so while Redis is not answering they fail (or fall
 * back) at once instead of each waiting out its own timeout.
 */
export function createRedisRateLimiter({
  redis,
  prefix,
  fallBackToMemory = false,
  ...options
}: RateLimiterOptions & { redis: Redis; prefix: string; fallBackToMemory?: boolean }): RateLimiter {
  const shared = createRedisLeaseLimiter({
    redis,
    // The key rate-limiter-flexible's RateLimiterRedis used, holding the same count.
    redisKey: (key) => `${prefix}ratelimit:${options.name}:${key}`,
    limit: options.limit,
    windowSeconds: options.windowSeconds,
  });
  return fallBackToMemory ? withFallback(shared, createMemoryRateLimiter(options)) : shared;
}
