import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { callRedis, createRedisClient, keysStartingWith, scanKeys } from '../../adapters/redis/client.ts';
import { createRedisOutbox } from '../../adapters/redis/outbox.ts';
import { createRedisPasswordAttemptStore } from '../../adapters/redis/password-attempt-store.ts';
import { createRedisSessionRepository } from '../../adapters/redis/session-repository.ts';
import { createRedisRateLimiter } from '../../adapters/ratelimit/rate-limiter.ts';
import { testRedisUrl, uniqueName } from '../support/services.ts';
import { describeOutboxContract } from './outbox.contract.ts';
import { describePasswordAttemptStoreContract } from './password-attempt-store.contract.ts';
import { describeRateLimiterContract } from './rate-limiter.contract.ts';
import { describeSessionRepositoryContract } from './session-repository.contract.ts';

// One client and one key prefix for the file (files run in parallel on one server); the outbox
// suite needs an empty outbox per test, so each of its tests gets a prefix of its own.
const prefix = `${uniqueName('contract')}:`;
let redis: Redis;
beforeAll(async () => {
  redis = createRedisClient({ url: testRedisUrl });
  await callRedis(redis, (r) => r.ping());
});
afterAll(async () => {
  await scanKeys(redis, keysStartingWith(prefix), async (keys) => void (await redis.del(...keys)));
  redis.disconnect();
});

describeSessionRepositoryContract('redis', () => {
  const outbox = createRedisOutbox({ redis, prefix });
  return { repo: createRedisSessionRepository({ redis, prefix, outbox }), outbox };
});

let outboxTests = 0;
describeOutboxContract('redis', () => {
  const outbox = createRedisOutbox({ redis, prefix: `${prefix}outbox-test-${++outboxTests}:` });
  return { repo: outbox, outbox };
});

let limiters = 0;
for (const fallBackToMemory of [false, true]) {
  describeRateLimiterContract(`redis${fallBackToMemory ? ', memory fallback' : ''}`, (options) =>
    createRedisRateLimiter({ redis, prefix, fallBackToMemory, name: `contract-${++limiters}`, ...options }),
  );
}

describePasswordAttemptStoreContract('redis', (policy) => createRedisPasswordAttemptStore({ redis, prefix, policy }));
