import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callRedis, createRedisClient, keysStartingWith, scanKeys } from '../../adapters/redis/client.ts';
import { createRedisRateLimiter } from '../../adapters/ratelimit/rate-limiter.ts';
import { createRedisLeaseLimiter, leaseSize } from '../../adapters/ratelimit/redis-leases.ts';
import { UnavailableError, type RateLimiter, type RateLimitState } from '../../modules/kernel/mod.ts';
import { testRedisUrl, uniqueName } from '../support/services.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

// The Redis limiter's leases (adapters/ratelimit/redis-leases.ts), beyond the RateLimiter contract
// it passes in tests/contracts/redis.test.ts: hits answered without a round trip, and instances on
// one Redis that never admit more than the limit together. Each "instance" has a Redis client
// of its own, which counts the scripts it sends (a real server behind it, no mock).
const prefix = `${uniqueName('limiter-leases')}:`;
const clients: Redis[] = [];
let observer: Redis;
let proxy: TcpProxy;
beforeAll(async () => {
  observer = createRedisClient({ url: testRedisUrl });
  await callRedis(observer, (r) => r.ping());
  proxy = await startTcpProxy({ targetPort: Number(new URL(testRedisUrl).port || 6379) });
});
afterAll(async () => {
  if (observer) await scanKeys(observer, keysStartingWith(prefix), async (keys) => void (await observer.del(...keys)));
  for (const client of clients) client.disconnect();
  observer?.disconnect();
  await proxy?.close();
});

/** A Redis client that counts the scripts (EVALSHA or EVAL) it sends: each is one lease's round trip. */
async function countingClient(url = testRedisUrl): Promise<{ redis: Redis; scripts: () => number }> {
  const redis = createRedisClient({ url, commandTimeoutMs: 500 });
  clients.push(redis);
  await callRedis(redis, (r) => r.ping());
  let scripts = 0;
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = (command, stream) => {
    if (command.name === 'evalsha' || command.name === 'eval') scripts++;
    return send(command, stream);
  };
  return { redis, scripts: () => scripts };
}

let names = 0;
/** One limiter per instance (its own client), all on one shared counter. */
async function instances(count: number, options: { limit: number; windowSeconds: number }) {
  const name = `limiter-${++names}`;
  return Promise.all(
    Array.from({ length: count }, async () => {
      const { redis, scripts } = await countingClient();
      return { limiter: createRedisRateLimiter({ redis, prefix, name, ...options }), scripts };
    }),
  );
}

const key = () => crypto.randomUUID();
const hits = (limiter: RateLimiter, k: string, n: number) => Promise.all(Array.from({ length: n }, () => limiter.hit(k)));
async function hitInTurn(limiter: RateLimiter, k: string, n: number): Promise<RateLimitState[]> {
  const states = [];
  for (let i = 0; i < n; i++) states.push(await limiter.hit(k));
  return states;
}
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Resolves once Redis has forgotten the key's window (its count expired). */
async function windowEndsInRedis(name: string, k: string): Promise<void> {
  await expect.poll(() => observer.exists(`${prefix}ratelimit:${name}:${k}`), { interval: 20, timeout: 5000 }).toBe(0);
}

describe('Redis rate limiter leases', () => {
  it('leaseSize() is exact per hit for small limits and a twentieth of larger ones, at most 100', () => {
    expect([1, 3, 4, 39, 40, 300, 600, 2000, 100_000].map(leaseSize)).toEqual([1, 1, 1, 1, 2, 15, 30, 100, 100]);
  });

  it('spends a lease locally: one round trip per leaseSize(limit) hits, each hit with its own count', async () => {
    const [a] = await instances(1, { limit: 600, windowSeconds: 60 });
    const k = key();
    const states = await hitInTurn(a!.limiter, k, 30);
    expect(a!.scripts()).toBe(1);
    states.push(await a!.limiter.hit(k));
    expect(a!.scripts()).toBe(2);
    expect(states.map((s) => [s.allowed, s.consumed, s.remaining])).toEqual(range(1, 31).map((n) => [true, n, 600 - n]));
    expect(states.every((s) => s.resetMs > 0 && s.resetMs <= 60_000)).toBe(true);
    expect(await observer.get(`${prefix}ratelimit:limiter-${names}:${k}`)).toBe('60'); // two leases of 30
  });

  it('hits at once wait for the one lease in flight and share it', async () => {
    const [a] = await instances(1, { limit: 600, windowSeconds: 60 });
    const states = await hits(a!.limiter, key(), 100);
    expect(a!.scripts()).toBe(4); // 100 hits in leases of 30
    expect(states.map((s) => s.consumed).sort((x, y) => x - y)).toEqual(range(1, 100));
  });

  it('two instances hit at once never admit more than the limit together, and no two admitted hits share a count', async () => {
    const [a, b] = await instances(2, { limit: 200, windowSeconds: 60 });
    const k = key();
    const states: RateLimitState[] = [];
    for (let wave = 0; wave < 3; wave++) {
      const [fromA, fromB] = await Promise.all([hits(a!.limiter, k, 100), hits(b!.limiter, k, 100)]);
      states.push(...fromA, ...fromB);
    }
    // Both asked for more than the limit, so neither kept leased hits unspent: exactly the limit.
    const admitted = states.filter((s) => s.allowed).map((s) => s.consumed);
    expect(admitted.sort((x, y) => x - y)).toEqual(range(1, 200));
    expect(a!.scripts() + b!.scripts()).toBeLessThanOrEqual(200 / leaseSize(200) + 1); // the leases, and one for the other to learn the window is used up
  });

  it('once the window is used up, refuses locally until it ends; another instance learns it with one round trip', async () => {
    const [a, b] = await instances(2, { limit: 600, windowSeconds: 60 });
    const k = key();
    await hits(a!.limiter, k, 600);
    const leases = a!.scripts();
    const refused = await hitInTurn(a!.limiter, k, 50);
    expect(a!.scripts()).toBe(leases);
    expect(refused.map((s) => [s.allowed, s.remaining, s.consumed])).toEqual(range(601, 650).map((n) => [false, 0, n]));
    expect(refused.every((s) => s.resetMs > 0 && s.resetMs <= 60_000)).toBe(true);

    expect((await hitInTurn(b!.limiter, k, 10)).map((s) => s.allowed)).toEqual(Array(10).fill(false));
    expect(b!.scripts()).toBe(1);
  });

  it('leased hits left when a window ends are lost, not spent in the next window', async () => {
    const [a, b] = await instances(2, { limit: 100, windowSeconds: 2 }); // b's hundred hits fit in one window
    const name = `limiter-${names}`;
    const k = key();
    expect((await a!.limiter.hit(k)).allowed).toBe(true); // a holds 4 more hits of this window
    await windowEndsInRedis(name, k);
    expect((await hitInTurn(b!.limiter, k, 100)).every((s) => s.allowed)).toBe(true);
    const late = await a!.limiter.hit(k);
    expect([late.allowed, a!.scripts()]).toEqual([false, 2]); // it asked Redis, which had none left
  });

  it('a local refusal ends with its window', async () => {
    const [a] = await instances(1, { limit: 40, windowSeconds: 1 });
    const k = key();
    await hits(a!.limiter, k, 40);
    expect((await a!.limiter.hit(k)).allowed).toBe(false);
    await windowEndsInRedis(`limiter-${names}`, k);
    expect(await a!.limiter.hit(k)).toMatchObject({ allowed: true, consumed: 1 });
  });

  it('remembers at most maxKeys keys; a forgotten key takes a new lease and loses the old one', async () => {
    const { redis, scripts } = await countingClient();
    const redisKey = (k: string) => `${prefix}ratelimit:lru:${k}`;
    const limiter = createRedisLeaseLimiter({ redis, redisKey, limit: 600, windowSeconds: 60, maxKeys: 2 });
    const [first, second, third] = [key(), key(), key()];
    for (const k of [first, second, third]) await limiter.hit(k);
    expect(scripts()).toBe(3);
    expect((await limiter.hit(third)).consumed).toBe(2); // still remembered: no round trip
    expect((await limiter.hit(first)).consumed).toBe(31); // forgotten: the second lease
    expect(scripts()).toBe(4);
  });
});

describe('Redis rate limiter leases while Redis is unreachable', () => {
  const failsWithinMs = 1500; // the command timeout (500), the wait for a reconnect as long again, and a margin

  it('answers hits from a lease and refuses locally without Redis; a hit needing a lease fails in time, with those waiting on it', async () => {
    const { redis } = await countingClient(`redis://127.0.0.1:${proxy.port}`);
    const limiter = createRedisRateLimiter({ redis, prefix, name: `limiter-${++names}`, limit: 600, windowSeconds: 60 });
    const [spending, usedUp] = [key(), key()];
    await limiter.hit(spending);
    await hits(limiter, usedUp, 600);
    proxy.pause();
    try {
      expect((await hitInTurn(limiter, spending, 29)).every((s) => s.allowed)).toBe(true);
      expect((await limiter.hit(usedUp)).allowed).toBe(false);
      const started = performance.now();
      const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => limiter.hit(spending)));
      expect(outcomes.map((o) => (o.status === 'rejected' ? o.reason : null))).toEqual(Array(10).fill(expect.any(UnavailableError)));
      expect(performance.now() - started).toBeLessThan(failsWithinMs);
    } finally {
      proxy.resume();
    }
    await expect
      .poll(
        () =>
          limiter.hit(spending).then(
            (s) => s.consumed,
            () => null,
          ),
        { interval: 50, timeout: 5000 },
      )
      .toBe(31);
  });
});
