import { passwordThrottlePolicy } from '../modules/auth/mod.ts';
import type { PasswordAttemptStore, RateLimiter } from '../modules/kernel/mod.ts';
import type { Redis } from 'ioredis';
import { createMemoryPasswordAttemptStore } from '../adapters/memory/password-attempt-store.ts';
import { createMemoryRateLimiter, createRedisRateLimiter } from '../adapters/ratelimit/rate-limiter.ts';
import { createRedisPasswordAttemptStore } from '../adapters/redis/password-attempt-store.ts';
import type { Config } from '../config/mod.ts';

export interface RateLimiters {
  api: RateLimiter;
  auth: RateLimiter;
  /** Each account's failed password checks (logins, password re-checks): the per-account throttle's store. */
  passwords: PasswordAttemptStore;
  /** One mail a minute per account and kind of link (verification resends, password resets). */
  accountMails: RateLimiter;
}

/**
 * In memory for the monolith; in Redis when REDIS_URL is set, so every instance shares the
 * counts (the per-address ones taken in leases and mostly answered locally, see
 * createRedisLeaseLimiter). If Redis is down, per-address limits fall back to counting in memory, while per-account
 * throttling fails closed (login, password change and deletion answer 503): guessing must never
 * get cheaper because a dependency is down.
 */
export function createRateLimiters(config: Config, redis?: Redis): RateLimiters {
  const api = { name: 'api', limit: config.rateLimits.apiPerMinute, windowSeconds: 60 };
  const auth = { name: 'auth', limit: config.rateLimits.authPerMinute, windowSeconds: 60 };
  const accountMails = { name: 'account-mails', limit: 1, windowSeconds: 60 };
  if (!(config.redis && redis)) {
    return {
      api: createMemoryRateLimiter(api),
      auth: createMemoryRateLimiter(auth),
      passwords: createMemoryPasswordAttemptStore({ policy: passwordThrottlePolicy }),
      accountMails: createMemoryRateLimiter(accountMails),
    };
  }
  const store = { redis, prefix: config.redis.prefix };
  return {
    api: createRedisRateLimiter({ ...store, ...api, fallBackToMemory: true }),
    auth: createRedisRateLimiter({ ...store, ...auth, fallBackToMemory: true }),
    passwords: createRedisPasswordAttemptStore({ ...store, policy: passwordThrottlePolicy }),
    // A limit against mail floods, not guessing: counting in this process while Redis is down is enough.
    accountMails: createRedisRateLimiter({ ...store, ...accountMails, fallBackToMemory: true }),
  };
}
