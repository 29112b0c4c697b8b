import type { PasswordThrottleLimiters } from '../modules/auth/mod.ts';
import type { RateLimiter } from '../modules/kernel/mod.ts';
import type { Redis } from 'ioredis';
import { createMemoryRateLimiter, createRedisRateLimiter, type RateLimiterOptions } from '../adapters/ratelimit/rate-limiter.ts';
import type { Config } from '../config/mod.ts';

export interface RateLimiters {
  api: RateLimiter;
  auth: RateLimiter;
  /** Per-account throttling of password checks (logins, password re-checks). */
  passwords: PasswordThrottleLimiters;
}

/**
 * In memory for the monolith; in Redis when REDIS_URL is set, so every instance shares the
 * counts. If Redis is down, per-address limits fall back to counting in memory, while per-account
 * throttling fails closed (login, password change and deletion answer 503): guessing must never
 * get cheaper because a dependency is down.
 */
export function createRateLimiters(config: Config, redis?: Redis): RateLimiters {
  const limits = {
    api: { name: 'api', limit: config.rateLimits.apiPerMinute, windowSeconds: 60 },
    auth: { name: 'auth', limit: config.rateLimits.authPerMinute, windowSeconds: 60 },
    recent: { name: 'login-recent', limit: 10, windowSeconds: 15 * 60 },
    consecutive: { name: 'login-consecutive', limit: 100, windowSeconds: 24 * 60 * 60 },
    blocks: { name: 'login-block', limit: 1, windowSeconds: 1 },
    // Released when the check ends; the window only bounds a slot whose process died mid-check.
    inFlight: { name: 'login-inflight', limit: 1, windowSeconds: 30 },
  } satisfies Record<string, RateLimiterOptions>;

  // Redis down: per-address limits count in memory (fallBackToMemory), per-account ones fail closed.
  const store = config.redis && redis ? { redis, prefix: config.redis.prefix } : undefined;
  const limiter: (options: RateLimiterOptions, fallBackToMemory: boolean) => RateLimiter = store
    ? (options, fallBackToMemory) => createRedisRateLimiter({ ...store, fallBackToMemory, ...options })
    : (options) => createMemoryRateLimiter(options);
  return {
    api: limiter(limits.api, true),
    auth: limiter(limits.auth, true),
    passwords: {
      recent: limiter(limits.recent, false),
      consecutive: limiter(limits.consecutive, false),
      blocks: limiter(limits.blocks, false),
      inFlight: limiter(limits.inFlight, false),
    },
  };
}
