import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callRedis, createRedisClient, keysStartingWith, scanKeys } from '../../adapters/redis/client.ts';
import { createRedisOutbox } from '../../adapters/redis/outbox.ts';
import { createRedisSessionRepository } from '../../adapters/redis/session-repository.ts';
import { UnavailableError } from '../../modules/kernel/mod.ts';
import type { SessionRepository } from '../../modules/session/mod.ts';
import { newSession, rotationOf } from '../contracts/session-repository.contract.ts';
import { testRedisUrl, uniqueName } from '../support/services.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

// The session repository behind a TCP proxy we can cut: calls fail fast with UnavailableError
// while Redis is unreachable, and work again by themselves once it is back. A server that is gone
// is the SessionRepository contract's store-down case (tests/contracts/redis.test.ts); this file
// covers a link that goes silent.
const prefix = `${uniqueName('redis-faults')}:`;
const failWithinMs = 1500;
let proxy: TcpProxy;
let viaProxy: Redis;
let direct: Redis;
let repo: SessionRepository;

beforeAll(async () => {
  proxy = await startTcpProxy({ targetPort: Number(new URL(testRedisUrl).port || 6379) });
  viaProxy = createRedisClient({ url: `redis://127.0.0.1:${proxy.port}`, commandTimeoutMs: 500 });
  direct = createRedisClient({ url: testRedisUrl });
  repo = createRedisSessionRepository({ redis: viaProxy, prefix, outbox: createRedisOutbox({ redis: viaProxy, prefix }) });
});
afterAll(async () => {
  await scanKeys(direct, keysStartingWith(prefix), async (keys) => void (await direct.del(...keys)));
  viaProxy.disconnect();
  direct.disconnect();
  await proxy.close();
});

/** How long `call` takes to reject, and with what. */
async function timeToFailure(call: () => Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now();
  const error = await call().then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  return { ms: performance.now() - started, error };
}

/** Polls `call` until it succeeds; returns how long that took. */
async function timeToRecovery(call: () => Promise<unknown>, withinMs = 5000): Promise<number> {
  const started = performance.now();
  for (;;) {
    try {
      await call();
      return performance.now() - started;
    } catch (error) {
      if (performance.now() - started > withinMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('Redis session repository when Redis is unreachable', () => {
  it('a call succeeds through the proxy', async () => {
    const session = newSession(new Date());
    await callRedis(viaProxy, (r) => r.ping());
    await repo.create(session, []);
    expect(await repo.findById(session.id)).toEqual(session);
  });

  it(`rejects within ${failWithinMs} ms when the link turns into a black hole, and a write that timed out never lands later`, async () => {
    const session = newSession(new Date());
    await repo.create(session, []);
    proxy.stall();
    const toHash = crypto.randomUUID();
    const rotate = await timeToFailure(() => repo.rotate(rotationOf(session, { toHash })));
    console.info(`stalled: rotate failed after ${rotate.ms.toFixed(0)} ms`);
    expect(rotate.error).toBeInstanceOf(UnavailableError);
    expect(rotate.ms).toBeLessThan(failWithinMs);
    // The client drops a connection that stays silent (socket timeout), so the held bytes die with it.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    proxy.resume();
    const recoveredMs = await timeToRecovery(() => repo.findById(session.id));
    console.info(`resumed after stall: calls succeed again after ${recoveredMs.toFixed(0)} ms`);
    expect((await repo.findById(session.id))?.refreshHash).toBe(session.refreshHash);
  });
});
