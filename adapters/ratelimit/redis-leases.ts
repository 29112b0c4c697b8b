import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { RateLimiter, RateLimitState } from '../../modules/kernel/mod.ts';
import { callerDeadline, callRedis, luaRefuseLate, luaScript } from '../redis/client.ts';

/**
 * ARGV: deadline, limit, wanted, windowMs. Adds to the key's count up to `wanted` hits, never past
 * `limit`, and starts the window's expiry with its first hit. Returns {granted, count, pttl}:
 * the hits granted are the counts count-granted+1 … count.
 */
const leaseScript = luaScript(`${luaRefuseLate}
local count = tonumber(redis.call('GET', KEYS[1])) or 0
local granted = math.max(0, math.min(tonumber(ARGV[3]), tonumber(ARGV[2]) - count))
if granted > 0 then count = redis.call('INCRBY', KEYS[1], granted) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
if ttl < 0 then ttl = tonumber(ARGV[4]) end
return {granted, count, ttl}`);

/**
 * Hits taken from Redis at once for a limit: a twentieth of it (at most 100), so a limit under 40
 * is counted in Redis hit by hit, and the hits an instance may leave unspent are few.
 */
export function leaseSize(limit: number): number {
  return Math.min(100, Math.max(1, Math.floor(limit / 20)));
}

/** What this instance knows of one key's current window. */
interface Window {
  /** performance.now() before which the window has surely not ended in Redis. */
  endsAt: number;
  /** The count of this instance's next leased hit; hits up to `counted` are leased to it. */
  next: number;
  /** The key's count in Redis when this instance last took a lease. */
  counted: number;
  /** Redis has no hit left to lease: refuse here until the window ends. */
  usedUp: boolean;
  /** Hits refused here in this window (they count in `consumed`). */
  refused: number;
}

export interface RedisLeaseLimiterOptions {
  redis: Redis;
  /** The Redis key of a limiter key's count. */
  redisKey: (key: string) => string;
  limit: number;
  windowSeconds: number;
  /** Keys whose windows this instance remembers; the least recently hit are forgotten first. Default 10,000. */
  maxKeys?: number;
}

/**
 * A fixed-window limiter whose counts live in Redis but whose hits are mostly answered here. For a
 * key, an instance takes a lease of hits (one atomic script: leaseSize(limit) hits at most, never
 * more than the window has left) and spends it locally; once Redis has none left, the instance
 * refuses locally until the window ends. So instances sharing a Redis never admit more than
 * `limit` in total per window, and each admitted hit's `consumed` is a count no other hit gets.
 *
 * Hits an instance leased but did not spend before its window ended are lost: a client spread over
 * n instances may be refused after as few as `limit - (n - 1) × (leaseSize(limit) - 1)` hits, and
 * a forgotten key (see maxKeys) loses its lease too. Leased hits are spent only before the window
 * ends in Redis (the end is reckoned from when the lease was sent), so none spills into the next.
 * `consumed` of a refused hit counts this instance's refusals only.
 *
 * Hits answered locally need no Redis; a hit that needs a lease while Redis is down rejects with
 * UnavailableError (as do the hits waiting on that lease), and a lease whose answer was lost is
 * counted in Redis but spent by no one.
 */
export function createRedisLeaseLimiter({
  redis,
  redisKey,
  limit,
  windowSeconds,
  maxKeys = 10_000,
}: RedisLeaseLimiterOptions): RateLimiter {
  const windowMs = windowSeconds * 1000;
  const wanted = leaseSize(limit);
  const windows = new LRUCache<string, Window>({ max: maxKeys });
  // At most one lease in flight per key: concurrent hits wait for it and then share it.
  const leasing = new Map<string, Promise<RateLimitState>>();

  function spend(window: Window, now: number): RateLimitState | null {
    const resetMs = Math.max(0, Math.round(window.endsAt - now));
    if (window.next <= window.counted) {
      const consumed = window.next++;
      return { allowed: true, limit, remaining: Math.max(0, limit - consumed), consumed, resetMs };
    }
    if (!window.usedUp) return null;
    window.refused++;
    return { allowed: false, limit, remaining: 0, consumed: window.counted + window.refused, resetMs };
  }

  async function lease(key: string): Promise<RateLimitState> {
    // Reckoned from before sending: Redis starts or reads the window later, so it ends later there.
    const sentAt = performance.now();
    const [granted, count, ttl] = (await callRedis(redis, (r) =>
      leaseScript.run(r, [redisKey(key)], [callerDeadline(r), limit, wanted, windowMs]),
    )) as [number, number, number];
    const window: Window = { endsAt: sentAt + ttl, next: count - granted + 1, counted: count, usedUp: count >= limit, refused: 0 };
    windows.set(key, window);
    // Answered before anyone waiting on this lease runs: a lease grants at least this hit, or is used up.
    return spend(window, performance.now()) as RateLimitState;
  }

  return {
    limit,
    windowSeconds,
    async hit(key) {
      for (;;) {
        const now = performance.now();
        const window = windows.get(key);
        const answer = window && now < window.endsAt ? spend(window, now) : null;
        if (answer) return answer;
        const pending = leasing.get(key);
        if (!pending) {
          const taking = lease(key).finally(() => leasing.delete(key));
          leasing.set(key, taking);
          return taking;
        }
        // A failed lease fails its waiters too: asking again at once would meet the same outage.
        await pending;
      }
    },
  };
}
