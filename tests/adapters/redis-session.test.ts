import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callRedis, createRedisClient, keysStartingWith, redisKeys, scanKeys, toUnavailable } from '../../adapters/redis/client.ts';
import { createRedisOutbox } from '../../adapters/redis/outbox.ts';
import { createRedisSessionRepository } from '../../adapters/redis/session-repository.ts';
import { UnavailableError } from '../../modules/kernel/mod.ts';
import type { SessionRecord } from '../../modules/session/mod.ts';
import { drainAll, secondsFrom, testEvent } from '../contracts/support.ts';
import { newSession, randomHash } from '../contracts/session-repository.contract.ts';
import { testRedisUrl, uniqueName } from '../support/services.ts';

// Redis-specific promises the contract suite cannot state: key expiry, bounded indexes, and races
// between processes (two clients, two connections). One prefix per file, deleted at the end.
const filePrefix = `${uniqueName('redis-session')}:`;
let prefixes = 0;
const freshPrefix = () => `${filePrefix}${++prefixes}:`;
const clients: Redis[] = [];
const client = async () => {
  const redis = createRedisClient({ url: testRedisUrl });
  clients.push(redis);
  await callRedis(redis, (r) => r.ping());
  return redis;
};
let redis: Redis;
beforeAll(async () => {
  redis = await client();
});
afterAll(async () => {
  await scanKeys(redis, keysStartingWith(filePrefix), async (keys) => void (await redis.del(...keys)));
  for (const c of clients) c.disconnect();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function setUp(prefix = freshPrefix(), options: { endedRetentionMs?: number; revokedWindowMs?: number } = {}, on = redis) {
  const outbox = createRedisOutbox({ redis: on, prefix });
  return { prefix, keys: redisKeys(prefix), outbox, repo: createRedisSessionRepository({ redis: on, prefix, outbox, ...options }) };
}

/** Every key under `prefix` with its absolute expiry (epoch ms; -1 when it has none). */
async function expiries(prefix: string): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  await scanKeys(redis, keysStartingWith(prefix), async (keys) => {
    for (const key of keys) found.set(key, await redis.pexpiretime(key));
  });
  return found;
}

describe('Redis session repository', () => {
  it('every key written for a session expires, no later than the session (retention 0)', async () => {
    const { prefix, keys, repo } = setUp(freshPrefix(), { endedRetentionMs: 0 });
    const now = new Date();
    const session = newSession(now);
    await repo.create(session, [testEvent('session.created')]);
    const [first, second] = [randomHash(), randomHash()];
    await repo.rotate({
      sessionId: session.id,
      fromHash: session.refreshHash,
      toHash: first,
      at: now,
      expiresAt: secondsFrom(now, 5400),
      events: [],
    });
    const slid = secondsFrom(now, 7200);
    await repo.rotate({ sessionId: session.id, fromHash: first, toHash: second, at: now, expiresAt: slid, events: [] });

    const found = await expiries(prefix);
    const sessionKeys = [...found.keys()].filter((k) => k !== keys.outbox);
    expect(sessionKeys.sort()).toEqual(
      [
        keys.session(session.id),
        keys.refresh(second),
        keys.rotated(session.refreshHash),
        keys.rotated(first),
        keys.userSessions(session.userId),
      ].sort(),
    );
    for (const key of sessionKeys) {
      expect(found.get(key), key).toBeGreaterThan(Date.now());
      expect(found.get(key), key).toBeLessThanOrEqual(slid.getTime());
    }
    // Sliding: the session and its current hash follow the newest expiry; older hashes keep theirs.
    expect(found.get(keys.session(session.id))).toBe(slid.getTime());
    expect(found.get(keys.refresh(second))).toBe(slid.getTime());
    expect(found.get(keys.rotated(session.refreshHash))).toBe(secondsFrom(now, 5400).getTime());
  });

  it('a revoked session keeps its keys only for the retention after revocation, and every key has a TTL', async () => {
    const retention = 60_000;
    const { prefix, keys, repo } = setUp(freshPrefix(), { endedRetentionMs: retention });
    const now = new Date();
    const session = newSession(now, { expiresAt: secondsFrom(now, 30 * 24 * 3600) });
    await repo.create(session, []);
    await repo.revoke(session.id, 'logout', now, () => [testEvent('session.revoked')]);
    const found = await expiries(prefix);
    for (const [key, expiry] of found) {
      if (key === keys.outbox) continue; // the outbox is drained and pruned, not expired
      expect(expiry, key).toBeGreaterThan(Date.now());
      expect(expiry, key).toBeLessThanOrEqual(Date.now() + 24 * 3600_000);
    }
    expect(found.get(keys.session(session.id))).toBeLessThanOrEqual(now.getTime() + retention + 1000);
    expect(found.get(keys.refresh(session.refreshHash))).toBeLessThanOrEqual(now.getTime() + retention + 1000);
  });

  it("a user's session index drops sessions whose keys have expired", async () => {
    const { keys, repo } = setUp(freshPrefix(), { endedRetentionMs: 0 });
    const userId = crypto.randomUUID();
    const now = new Date();
    const shortLived = newSession(now, { userId, expiresAt: new Date(Date.now() + 200) });
    await repo.create(shortLived, []);
    await sleep(300);
    const next = newSession(new Date(), { userId });
    await repo.create(next, []);
    expect(await redis.zrange(keys.userSessions(userId), '0', '-1')).toEqual([next.id]);
    expect(await redis.pexpiretime(keys.userSessions(userId))).toBe(next.expiresAt.getTime());
  });

  it('the revoked index keeps no entry older than its window', async () => {
    const { keys, repo } = setUp(freshPrefix(), { revokedWindowMs: 500 });
    const [old, recent] = [newSession(new Date()), newSession(new Date())];
    await repo.create(old, []);
    await repo.create(recent, []);
    await repo.revoke(old.id, 'logout', new Date(), () => []);
    await sleep(700);
    await repo.revoke(recent.id, 'logout', new Date(), () => []);
    expect(await redis.zrange(keys.revokedSessions, '0', '-1')).toEqual([recent.id]);
    expect(await repo.listRevokedSince(new Date(0))).toEqual([recent.id]);
    expect(await redis.pttl(keys.revokedSessions)).toBeGreaterThan(0);
    expect(await redis.pttl(keys.revokedSessions)).toBeLessThanOrEqual(500);
  });

  it('rotate() raced from two connections (two processes) has exactly one winner per token', async () => {
    const prefix = freshPrefix();
    const [a, b] = [setUp(prefix, {}, await client()), setUp(prefix, {}, await client())];
    const now = new Date();
    const sessions = Array.from({ length: 25 }, () => newSession(now));
    for (const s of sessions) await a.repo.create(s, []);
    const rounds = await Promise.all(
      sessions.map(async (s) => {
        const racers = [a, b].map((side) => ({ side, toHash: randomHash(), event: testEvent('session.refreshed') }));
        const results = await Promise.all(
          racers.map((r) =>
            r.side.repo.rotate({
              sessionId: s.id,
              fromHash: s.refreshHash,
              toHash: r.toHash,
              at: now,
              expiresAt: secondsFrom(now, 3600),
              events: [r.event],
            }),
          ),
        );
        return { s, racers, results };
      }),
    );
    const stored = new Set((await drainAll(a.outbox)).map((e) => e.id));
    for (const { s, racers, results } of rounds) {
      const winners = results.flatMap((r, i) => (r ? [racers[i]!] : []));
      expect(winners).toHaveLength(1);
      expect((await a.repo.findById(s.id))?.refreshHash).toBe(winners[0]!.toHash);
      expect(racers.filter((r) => stored.has(r.event.id))).toEqual(winners);
    }
  });

  it('revoke() raced with rotate() stores events built from the state it revoked', async () => {
    const prefix = freshPrefix();
    const [a, b] = [setUp(prefix, {}, await client()), setUp(prefix, {}, await client())];
    const now = new Date();
    const session = newSession(now);
    await a.repo.create(session, []);
    const toHash = randomHash();
    const seen: SessionRecord[] = [];
    const [rotated, revoked] = await Promise.all([
      a.repo.rotate({
        sessionId: session.id,
        fromHash: session.refreshHash,
        toHash,
        at: now,
        expiresAt: secondsFrom(now, 7200),
        events: [],
      }),
      b.repo.revoke(session.id, 'logout', now, (s) => {
        seen.push(s);
        return [];
      }),
    ]);
    expect(rotated).not.toBeNull();
    expect(revoked).toEqual({ ...rotated, revokedAt: now, revokeReason: 'logout' });
    expect(seen.at(-1)).toEqual(revoked);
  });
});

describe('Redis outbox across relays', () => {
  it('a relay takes over the entries of a relay that stopped mid-publish, after claimIdleMs', async () => {
    const prefix = freshPrefix();
    const crashed = createRedisOutbox({ redis: await client(), prefix, claimIdleMs: 200 });
    const survivor = createRedisOutbox({ redis: await client(), prefix, claimIdleMs: 200 });
    const events = [testEvent(), testEvent()];
    await crashed.append(events);
    await expect(crashed.drain(10, async () => Promise.reject(new Error('process died')))).rejects.toThrow();
    expect(await survivor.drain(10, async () => {})).toBe(0); // still the other relay's
    await sleep(250);
    expect((await drainAll(survivor)).map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect(await survivor.backlog()).toBe(0);
  });

  it('an entry deleted while pending is acknowledged away, and the entries around it are published', async () => {
    const { keys, outbox } = setUp();
    const events = [testEvent(), testEvent(), testEvent()];
    await outbox.append(events);
    await expect(outbox.drain(10, async () => Promise.reject(new Error('broker down')))).rejects.toThrow();
    const [, middle] = await redis.xrange(keys.outbox, '-', '+');
    await redis.xdel(keys.outbox, middle![0]);
    expect((await drainAll(outbox)).map((e) => e.id)).toEqual([events[0]!.id, events[2]!.id]);
    expect(await redis.xpending(keys.outbox, 'outbox-relay')).toEqual([0, null, null, null]);
  });

  it('relays on two connections draining at once never publish one entry twice', async () => {
    const prefix = freshPrefix();
    const relays = [createRedisOutbox({ redis: await client(), prefix }), createRedisOutbox({ redis: await client(), prefix })];
    const events = Array.from({ length: 60 }, () => testEvent());
    await relays[0]!.append(events);
    const published: string[] = [];
    const drainLoop = async (outbox: (typeof relays)[number]) => {
      while ((await outbox.drain(7, async (entries) => void published.push(...entries.map((e) => e.id)))) > 0);
    };
    await Promise.all([...relays, ...relays].map(drainLoop));
    expect(published.slice().sort()).toEqual(events.map((e) => e.id).sort());
  });
});

describe('toUnavailable', () => {
  it('turns transport failures into UnavailableError and lets command errors through', async () => {
    const timeout = toUnavailable(new Error('Command timed out'));
    expect(timeout).toBeInstanceOf(UnavailableError);
    expect((timeout as UnavailableError).cause).toBeInstanceOf(Error);
    const key = `${filePrefix}a-string`;
    await redis.set(key, 'x');
    const wrongType = await redis.hgetall(key).catch((error: unknown) => error);
    expect(toUnavailable(wrongType)).toBe(wrongType);
    expect(toUnavailable(new UnavailableError())).toBeInstanceOf(UnavailableError);
  });
});
