import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { UnavailableError, type RateLimiter, type RateLimitState } from '../../modules/kernel/mod.ts';

export interface RateLimiterOptions {
  /** Names the counter; keys of different limiters never collide. */
  name: string;
  limit: number;
  windowSeconds: number;
}

function stateOf(res: RateLimiterRes, limit: number, allowed: boolean): RateLimitState {
  return { allowed, limit, remaining: Math.max(0, res.remainingPoints), consumed: res.consumedPoints, resetMs: Math.max(0, res.msBeforeNext) };
}

/** Wraps a rate-limiter-flexible limiter: "over the limit" is a value, a store failure is UnavailableError. */
function wrap(limiter: RateLimiterAbstract, { limit, windowSeconds }: RateLimiterOptions): RateLimiter {
  const failed = (error: unknown): never => {
    throw new UnavailableError('The rate-limit store is unavailable.', { cause: error });
  };
  return {
    limit,
    windowSeconds,
    async hit(key) {
      try {
        return stateOf(await limiter.consume(key), limit, true);
      } catch (error) {
        if (error instanceof RateLimiterRes) return stateOf(error, limit, false);
        return failed(error);
      }
    },
    async peek(key) {
      const res = await limiter.get(key).catch(failed);
      return res ? stateOf(res, limit, res.consumedPoints <= limit) : null;
    },
    async block(key, seconds) {
      await limiter.block(key, seconds).catch(failed);
    },
    async reset(key) {
      await limiter.delete(key).catch(failed);
    },
  };
}

/** Counts in this process only: the monolith's default, and the fallback of the Redis limiter. */
export function createMemoryRateLimiter(options: RateLimiterOptions): RateLimiter {
  return wrap(new RateLimiterMemory({ keyPrefix: options.name, points: options.limit, duration: options.windowSeconds }), options);
}

/**
 * Counts in Redis, so every instance shares the counts. With `fallBackToMemory`, an unreachable
 * Redis degrades to per-process counting (general per-IP limits); without it, calls fail with
 * UnavailableError (per-account login throttling fails closed).
 */
export function createRedisRateLimiter({
  redis,
  prefix,
  fallBackToMemory = false,
  ...options
}: RateLimiterOptions & { redis: Redis; prefix: string; fallBackToMemory?: boolean }): RateLimiter {
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${prefix}ratelimit:${options.name}`,
    points: options.limit,
    duration: options.windowSeconds,
    rejectIfRedisNotReady: true,
    ...(fallBackToMemory
      ? { insuranceLimiter: new RateLimiterMemory({ keyPrefix: options.name, points: options.limit, duration: options.windowSeconds }) }
      : {}),
  });
  return wrap(limiter, options);
}
