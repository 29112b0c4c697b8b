import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisPasswordAttemptStore } from '../../adapters/redis/password-attempt-store.ts';
import { withBudget } from '../../adapters/http/deadline.ts';
import { callRedis, createRedisClient } from '../../adapters/redis/client.ts';
import { createRedisOutbox } from '../../adapters/redis/outbox.ts';
import { createRedisSessionRepository } from '../../adapters/redis/session-repository.ts';
import { createPasswordThrottle, passwordThrottlePolicy } from '../../modules/auth/mod.ts';
import { RateLimitedError, UnavailableError } from '../../modules/kernel/mod.ts';
import type { SessionRecord, SessionRepository } from '../../modules/session/mod.ts';
import { newSession, rotationOf } from '../contracts/session-repository.contract.ts';
import { startOwnRedis, type OwnRedis } from '../support/redis-server.ts';

// Redis stalled (SIGSTOP: paused, not dead) keeps every connection and command, and runs them all
// when it resumes, long after their callers answered 503. Such a command must change nothing:
// "nothing a caller was told failed happens later".
const commandTimeoutMs = 400;
const stallMs = 700; // past the command timeout, short of the socket timeout (2 × 400 ms) that drops the connection
let server: OwnRedis;
let redis: Redis;
let observer: Redis;
let sessions: SessionRepository;

beforeAll(async () => {
  server = await startOwnRedis();
  redis = createRedisClient({ url: server.url, commandTimeoutMs });
  observer = createRedisClient({ url: server.url });
  // The observer is used without callRedis: wait until both clients are connected.
  for (const client of [redis, observer]) {
    for (let tries = 0; !(await callRedis(client, (r) => r.ping()).catch(() => null)); tries++) {
      if (tries === 50) throw new Error(`redis-server at ${server.url} did not answer within 5 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  sessions = createRedisSessionRepository({ redis, prefix: 'stall:', outbox: createRedisOutbox({ redis, prefix: 'stall:' }) });
});
afterAll(async () => {
  redis?.disconnect();
  observer?.disconnect();
  await server?.stop();
});

/** Rotates `session`'s refresh token to `toHash`, as a refresh does. */
const rotate = (session: SessionRecord, toHash: string) => sessions.rotate(rotationOf(session, { toHash }));

/** Runs `calls` while the server is stopped; each must fail for its caller; then lets the server run them. */
async function duringStall(calls: Array<() => Promise<unknown>>) {
  server.pause();
  try {
    const outcomes = await Promise.allSettled(calls.map((call) => call()));
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(UnavailableError);
    }
    await new Promise((resolve) => setTimeout(resolve, stallMs - commandTimeoutMs));
  } finally {
    server.resume();
  }
  // Whatever was queued has run once a command sent after the resume is answered.
  await expect.poll(() => observer.ping().catch(() => null), { timeout: 3000 }).toBe('PONG');
  await expect.poll(() => callRedis(redis, (r) => r.ping()).catch(() => null), { timeout: 3000 }).toBe('PONG');
}

describe('Redis writes that reach a stalled server after their caller gave up', () => {
  it('change no session: a rotation, a revocation and a creation answered 503 never happen later', async () => {
    const existing = newSession(new Date());
    await sessions.create(existing, []);
    const unborn = newSession(new Date());
    const toHash = crypto.randomUUID();
    const eventsBefore = await observer.xlen('stall:outbox');
    await duringStall([() => rotate(existing, toHash), () => sessions.create(unborn, [])]);
    await duringStall([() => sessions.revoke(existing.id, 'logout', new Date(), () => [])]);
    expect(await sessions.findById(existing.id)).toEqual(existing);
    expect(await sessions.findByRefreshHash(toHash)).toBeNull();
    expect(await sessions.findById(unborn.id)).toBeNull();
    expect(await observer.xlen('stall:outbox')).toBe(eventsBefore);
  });

  it('change nothing when they reach it after the caller of the call being served gave up, sooner than the command timeout', async () => {
    const existing = newSession(new Date());
    await sessions.create(existing, []);
    const toHash = crypto.randomUUID();
    server.pause();
    // The caller (another process) waits 150 ms; the stall outlasts that, not the 400 ms command timeout.
    const rotation = withBudget(150, () => rotate(existing, toHash)).then(
      () => 'rotated',
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 250));
    server.resume();
    expect(await rotation).toBeInstanceOf(UnavailableError);
    expect(await sessions.findByRefreshHash(toHash)).toBeNull();
    expect(await sessions.findById(existing.id)).toEqual(existing);
  });

  it('leave no password-check slot taken and count no failure', async () => {
    const store = createRedisPasswordAttemptStore({
      redis,
      prefix: 'stall:',
      policy: { freeFailures: 0, windowMs: 60_000, maxBlockMs: 60_000, lockoutFailures: 100, lockoutMs: 60_000 },
    });
    // The scripts are loaded first: a stalled EVALSHA of an unknown script would come back NOSCRIPT anyway.
    await store.begin('warm-up', 'warm-up', 1000);
    await store.finish('warm-up', 'warm-up', true);
    await duringStall([() => store.begin('taken-late', 'gone', 30_000), () => store.finish('failed-late', 'gone', false)]);
    expect(await store.begin('taken-late', 'next', 1000)).toEqual({ started: true });
    expect(await store.begin('failed-late', 'next', 1000)).toEqual({ started: true }); // with no free failures, one would block
  });

  it('leave no password-check slot held once the server answers again: the owner’s retry of a login answered 503 is checked', async () => {
    const store = createRedisPasswordAttemptStore({ redis, prefix: 'stall:', policy: passwordThrottlePolicy });
    const throttle = createPasswordThrottle({ store });
    const elsewhere = createPasswordThrottle({ store }); // another process sharing the store
    const passing = async () => true;
    await throttle.attempt('warm-up', passing, (ok) => ok); // loads the scripts
    const [mine, theirs] = [`user:${crypto.randomUUID()}`, `user:${crypto.randomUUID()}`];
    // Both checks pass, but the server stalls before their outcomes are recorded: the finishes
    // time out (and reach the server too late to count), the releases fail at once.
    let begun = 0;
    const stallingCheck = async () => {
      if (++begun === 2) server.pause();
      else await new Promise((resolve) => setTimeout(resolve, 50));
      return true;
    };
    try {
      const outcomes = await Promise.allSettled([mine, theirs].map((account) => throttle.attempt(account, stallingCheck, (ok) => ok)));
      for (const outcome of outcomes) expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(UnavailableError);
      await new Promise((resolve) => setTimeout(resolve, stallMs - commandTimeoutMs));
    } finally {
      server.resume();
    }
    await expect.poll(() => callRedis(redis, (r) => r.ping()).catch(() => null), { timeout: 3000 }).toBe('PONG');
    const answered = performance.now();
    expect(await throttle.attempt(mine, passing, (ok) => ok)).toBe(true);
    await expect
      .poll(
        () =>
          elsewhere.attempt(theirs, passing, (ok) => ok).catch((error: unknown) => (error instanceof RateLimitedError ? 'busy' : error)),
        { interval: 20, timeout: 2000 },
      )
      .toBe(true);
    expect(performance.now() - answered).toBeLessThan(1000); // not the slot's 5 s
  });

  it('while the server does not answer, later calls fail at once instead of each waiting out a timeout; then it recovers', async () => {
    const session = newSession(new Date());
    await sessions.create(session, []);
    server.pause();
    const timings: number[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        await expect(sessions.findById(session.id)).rejects.toBeInstanceOf(UnavailableError);
        timings.push(performance.now() - started);
      }
    } finally {
      server.resume();
    }
    expect(timings[0]).toBeGreaterThanOrEqual(commandTimeoutMs - 50);
    expect(timings[1]! + timings[2]!).toBeLessThan(commandTimeoutMs);
    await expect.poll(() => sessions.findById(session.id).catch(() => null), { timeout: 2000 }).toEqual(session);
  });
});
