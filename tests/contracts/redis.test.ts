import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { callRedis, createRedisClient, keysStartingWith, scanKeys } from '../../adapters/redis/client.ts';
import { createRedisOutbox } from '../../adapters/redis/outbox.ts';
import { createRedisPasswordAttemptStore } from '../../adapters/redis/password-attempt-store.ts';
import { createRedisSessionRepository } from '../../adapters/redis/session-repository.ts';
import { createRedisRateLimiter } from '../../adapters/ratelimit/rate-limiter.ts';
import { testRedisUrl, uniqueName } from '../support/services.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { describeOutboxContract } from './outbox.contract.ts';
import { describePasswordAttemptStoreContract } from './password-attempt-store.contract.ts';
import { describeRateLimiterContract } from './rate-limiter.contract.ts';
import { describeSessionRepositoryContract } from './session-repository.contract.ts';

// One client and one key prefix for the file (files run in parallel on one server); the outbox
// suite needs an empty outbox per test, so each of its tests gets a prefix of its own. The
// store-down cases use a second client, through a TCP proxy they cut.
const prefix = `${uniqueName('contract')}:`;
let redis: Redis;
let proxy: TcpProxy;
let viaProxy: Redis;
beforeAll(async () => {
  redis = createRedisClient({ url: testRedisUrl });
  await callRedis(redis, (r) => r.ping());
  proxy = await startTcpProxy({ targetPort: Number(new URL(testRedisUrl).port || 6379) });
  viaProxy = createRedisClient({ url: `redis://127.0.0.1:${proxy.port}`, commandTimeoutMs: 500 });
});
afterAll(async () => {
  await scanKeys(redis, keysStartingWith(prefix), async (keys) => void (await redis.del(...keys)));
  redis.disconnect();
  viaProxy?.disconnect();
  await proxy?.close();
});

// commandTimeoutMs (500), the wait for a reconnect as long again, and a margin.
const outage = { cut: () => proxy.pause(), restore: () => proxy.resume(), failsWithinMs: 1500 };

describeSessionRepositoryContract(
  'redis',
  () => {
    const outbox = createRedisOutbox({ redis, prefix });
    return { repo: createRedisSessionRepository({ redis, prefix, outbox }), outbox };
  },
  {
    outage,
    make: () => {
      const outbox = createRedisOutbox({ redis: viaProxy, prefix });
      return { repo: createRedisSessionRepository({ redis: viaProxy, prefix, outbox }), outbox };
    },
  },
);

let outboxTests = 0;
const emptyOutbox = (client: () => Redis) => () => {
  const outbox = createRedisOutbox({ redis: client(), prefix: `${prefix}outbox-test-${++outboxTests}:` });
  return { repo: outbox, outbox };
};
describeOutboxContract(
  'redis',
  emptyOutbox(() => redis),
  { outage, make: emptyOutbox(() => viaProxy) },
);

let limiters = 0;
for (const fallBackToMemory of [false, true]) {
  const limiter = (client: () => Redis) => (options: { limit: number; windowSeconds: number }) =>
    createRedisRateLimiter({ redis: client(), prefix, fallBackToMemory, name: `contract-${++limiters}`, ...options });
  describeRateLimiterContract(
    `redis${fallBackToMemory ? ', memory fallback' : ''}`,
    limiter(() => redis),
    {
      outage,
      make: { limiter: limiter(() => viaProxy), degrades: fallBackToMemory },
    },
  );
}

describePasswordAttemptStoreContract('redis', (policy) => createRedisPasswordAttemptStore({ redis, prefix, policy }), {
  outage,
  make: (policy) => createRedisPasswordAttemptStore({ redis: viaProxy, prefix, policy }),
});
