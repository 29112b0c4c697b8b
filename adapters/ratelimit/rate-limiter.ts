import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { UnavailableError, type RateLimiter, type RateLimitState } from '../../modules/kernel/mod.ts';
import { callRedis } from '../redis/client.ts';

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

type StoreCall = <T>(call: () => Promise<T>) => Promise<T>;

/**
 * Wraps a rate-limiter-flexible limiter: "over the limit" is a value; every call to its store
 * goes through `store`, which turns a store failure into UnavailableError.
 */
function wrap(limiter: RateLimiterAbstract, { limit, windowSeconds }: RateLimiterOptions, store: StoreCall): RateLimiter {
  return {
    limit,
    windowSeconds,
    hit: (key) =>
      store(() =>
        limiter.consume(key).then(
          (res) => stateOf(res, limit, true),
          (error: unknown) => {
            if (error instanceof RateLimiterRes) return stateOf(error, limit, false);
            throw error;
          },
        ),
      ),
  };
}

/** Memory never fails; this only keeps the port's promise if the library ever does. */
const inProcess: StoreCall = (call) =>
  call().catch((error: unknown) => {
    throw new UnavailableError('The rate-limit store is unavailable.', { cause: error });
  });

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

/** Counts in this process only: the monolith's default, and the fallback of the Redis limiter. */
export function createMemoryRateLimiter(options: RateLimiterOptions): RateLimiter {
  return wrap(
    new RateLimiterMemory({ keyPrefix: options.name, points: options.limit, duration: options.windowSeconds }),
    options,
    inProcess,
  );
}

/**
 * Counts in Redis, so every instance shares the counts. With `fallBackToMemory`, an unreachable
 * Redis degrades to per-process counting (general per-IP limits); without it, calls fail with
 * UnavailableError. Calls go through callRedis, so while Redis is not answering they fail (or
 * fall back) at once instead of each waiting out its own timeout.
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
  });
  const shared = wrap(limiter, options, (call) => callRedis(redis, call));
  return fallBackToMemory ? withFallback(shared, createMemoryRateLimiter(options)) : shared;
}
